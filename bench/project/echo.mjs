// The WebSocket benchmark's handler: echoes the message back through the two-way route.
export const handler = async (event) => ({ statusCode: 200, body: event.body });
