// The bare `ws` echo server: the ceiling for a WebSocket round trip in Node.
import { WebSocketServer } from 'ws';

const wss = new WebSocketServer({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
wss.on('listening', () => process.stdout.write(`listening ${wss.address().port}\n`));
