// A CommonJS, callback-style handler (payload 1.0), the backend of the pets API's HTTP_PROXY route.
exports.handler = (event, context, callback) => {
  const item = event.pathParameters.item;
  callback(null, {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ item, inStock: item.length % 2 === 0, warehouse: process.env.WAREHOUSE, requestId: event.headers['x-request-id'] ?? null }),
  });
};
