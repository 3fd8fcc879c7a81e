// The backend the REST API's HTTP integration calls (an HTTP API route, payload 2.0).
export async function handler(event) {
  const petId = event.pathParameters.petId;
  return { reviews: [{ petId, stars: 5, text: `pet ${petId} is lovely` }], source: 'reviews-backend' };
}
