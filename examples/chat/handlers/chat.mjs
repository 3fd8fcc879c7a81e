// One handler for the chat's routes, as AWS's simple-websockets-chat-app splits across three.
import { ApiGatewayManagementApiClient, DeleteConnectionCommand, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';

const room = new Set(); // connection ids (module state: this function runs in one warm worker)

export const handler = async (event) => {
  const { routeKey, connectionId, domainName, stage } = event.requestContext;
  if (routeKey === '$connect') {
    room.add(connectionId);
    return { statusCode: 200 };
  }
  if (routeKey === '$disconnect') {
    room.delete(connectionId);
    return { statusCode: 200 };
  }
  // sendmessage: the same client code as on AWS.
  const client = new ApiGatewayManagementApiClient({ endpoint: `https://${domainName}/${stage}` });
  const { message } = JSON.parse(event.body);
  const data = JSON.stringify({ from: connectionId, message });
  await Promise.all(
    [...room].map(async (id) => {
      try {
        await client.send(new PostToConnectionCommand({ ConnectionId: id, Data: data }));
      } catch (err) {
        if (err.name === 'GoneException') room.delete(id); // left without $disconnect reaching us
        else throw err;
      }
    }),
  );
  return { statusCode: 200 };
};

// Not routed: shows how a server drops a client (DeleteConnection → the client sees 1000).
export const kick = async (event) => {
  const client = new ApiGatewayManagementApiClient({ endpoint: `https://${event.domainName}/${event.stage}` });
  await client.send(new DeleteConnectionCommand({ ConnectionId: event.connectionId }));
};
