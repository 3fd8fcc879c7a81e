// Lambda handlers for the pets API (ES module, async style).
const pets = new Map([
  ['1', { id: '1', name: 'Rex', type: 'dog' }],
  ['2', { id: '2', name: 'Tom', type: 'cat' }],
]);

// Payload 2.0: returning a plain object gives 200 application/json (AWS's response inference).
export const list = async (event) => {
  const type = event.queryStringParameters?.type;
  const items = [...pets.values()].filter((p) => !type || p.type === type);
  return { statusCode: 200, headers: { 'content-type': 'application/json', 'x-pet-count': String(items.length) }, body: JSON.stringify(items) };
};

// Payload 1.0 (see the route's payloadFormatVersion): pathParameters, and statusCode is required.
export const get = async (event) => {
  const pet = pets.get(event.pathParameters.id);
  if (!pet) return { statusCode: 404, body: JSON.stringify({ message: 'no such pet' }) };
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(pet) };
};

export const create = async (event) => {
  const body = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString() : event.body;
  let input;
  try {
    input = JSON.parse(body ?? '');
  } catch {
    return { statusCode: 400, body: JSON.stringify({ message: 'body must be JSON' }) };
  }
  if (typeof input.name !== 'string') return { statusCode: 400, body: JSON.stringify({ message: 'name is required' }) };
  const id = String(pets.size + 1);
  const pet = { id, name: input.name, type: input.type ?? 'unknown' };
  pets.set(id, pet);
  console.log(`created pet ${id} (${pet.name}) in table ${process.env.TABLE ?? 'pets'}`);
  return { statusCode: 201, headers: { location: `/pets/${id}` }, body: JSON.stringify(pet) };
};
