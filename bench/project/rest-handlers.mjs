// REST benchmark handlers: a Lambda proxy answer, and plain data for a non-proxy route.
export async function proxy() {
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{"ok":true}' };
}

export async function plain(input) {
  return { ok: true, id: input.id, who: input.who };
}
