// Lambda handlers of the REST petstore. `list` and `get` are proxy integrations (they get the
// REST payload 1.0 event and answer {statusCode, headers, body}); `create` is a non-proxy
// integration: it gets the object the request template rendered and returns plain data,
// which the response template shapes. A thrown error's message selects the integration
// response (".*ValidationError.*" → 400).
const pets = [
  { id: 1, type: 'dog', price: 249.99 },
  { id: 2, type: 'cat', price: 124.99 },
  { id: 3, type: 'fish', price: 0.99 },
];

export async function list(event) {
  const type = event.queryStringParameters?.type;
  const found = type ? pets.filter((p) => p.type === type) : pets;
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(found) };
}

export async function get(event) {
  const pet = pets.find((p) => String(p.id) === event.pathParameters.petId);
  if (!pet) return { statusCode: 404, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: 'no such pet' }) };
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(pet) };
}

export async function create(input) {
  if (input.price < 0) throw new Error(`ValidationError: price must not be negative (got ${input.price})`);
  const pet = { id: pets.length + 1, type: input.type, price: input.price };
  pets.push(pet);
  return { pet, createdBy: input.requestId };
}
