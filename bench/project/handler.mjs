// The benchmark's Lambda handler: a small JSON answer, as in most API handlers' fast path.
export const handler = async () => ({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{"ok":true}' });
