import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileTemplate, renderTemplate, VtlError, type VtlInput } from './index.ts';

const BODY = '{"a":1,"b":[{"foo":"bar"}],"c":{"d":"e","l":[1,2]},"s":"it\'s","n":null}';

function input(over: Partial<VtlInput> = {}): VtlInput {
  return {
    body: BODY,
    params: { path: { id: '7' }, querystring: { q: 'x y' }, header: { 'Content-Type': 'application/json', 'X-Id': 'h' } },
    context: { requestId: 'req-1', stage: 'dev', identity: { sourceIp: '1.2.3.4' }, authorizer: { principalId: 'me', claims: { sub: 'abc' } }, error: { messageString: '"Unauthorized"' } },
    stageVariables: { v: 'sv', 'my-var': 'dash' },
    ...over,
  };
}

const run = (template: string, over: Partial<VtlInput> = {}): string => renderTemplate(compileTemplate(template, 'test'), input(over)).output;
const isCode = (code: string) => (e: unknown): boolean => e instanceof VtlError && e.code === code;

// --- $input -------------------------------------------------------------------------------

test('$input.body is the raw payload', () => {
  assert.equal(run('$input.body'), BODY);
});

test('$input.body of an empty payload renders {} (spec §4.6 [aws-snap], localstack#12413)', () => {
  assert.equal(run('$input.body', { body: '' }), '{}');
  assert.equal(run("$input.json('$')", { body: '' }), '{}');
});

test("$input.json('$') is the body as compact JSON; a sub-path gives that part", () => {
  assert.equal(run("$input.json('$')"), '{"a":1,"b":[{"foo":"bar"}],"c":{"d":"e","l":[1,2]},"s":"it\'s","n":null}');
  assert.equal(run("$input.json('$.c.l')"), '[1,2]');
  assert.equal(run("$input.json('$.s')"), '"it\'s"');
});

test("$input.json of a missing path is an empty string (spec §4.6)", () => {
  assert.equal(run("[$input.json('$.missing')]"), '[]');
});

test("$input.path('$') renders a map as Java text and lists inside as JSON (test_input_path_template_formatting)", () => {
  assert.equal(run("$input.path('$')"), '{a=1, b=[{"foo":"bar"}], c={d=e, l=[1,2]}, s=it\'s, n=null}');
  assert.equal(run("$input.path('$.b')"), '[{"foo":"bar"}]');
  assert.equal(run("$input.path('$.c')"), '{d=e, l=[1,2]}');
});

test('$input.path of a missing path is null and renders empty', () => {
  assert.equal(run("[$input.path('$.missing')][$input.path('$.n')]"), '[][]');
});

test('$input.path values are native: .size(), index, properties, methods', () => {
  assert.equal(run("$input.path('$.b').size() $input.path('$.b')[0].foo $input.path('$.c').d $input.path('$.s').length()"), '1 bar e 4');
  assert.equal(run("#set($root = $input.path('$'))#foreach($x in $root.c.l)$x;#end"), '1;2;');
});

test('indefinite JSONPath (wildcard, filter) returns a list', () => {
  assert.equal(run("$input.json('$.b[*].foo')"), '["bar"]');
  assert.equal(run("$input.path('$.c.l[?(@ > 1)]').size()"), '1');
});

test("$input.json/path on a body that is not JSON fails with RUNTIME (AWS fails the transformation)", () => {
  assert.throws(() => run("$input.json('$')", { body: 'a=1&b=2' }), isCode('PORTICO_ERR_VTL_RUNTIME'));
  assert.equal(run('$input.body', { body: 'a=1&b=2' }), 'a=1&b=2');
});

test('$input.params() is the map {path, querystring, header}', () => {
  assert.equal(run('$input.params()'), '{path={id=7}, querystring={q=x y}, header={Content-Type=application/json, X-Id=h}}');
  assert.equal(run("$input.params().header.get('X-Id') $input.params().querystring.q"), 'h x y');
});

test("$input.params('x') looks in path, then querystring, then header; '' when absent", () => {
  assert.equal(run("$input.params('id')|$input.params('q')|$input.params('X-Id')|$input.params('nope')|"), '7|x y|h||');
  const shadow = input({ params: { path: { k: 'p' }, querystring: { k: 'q' }, header: { k: 'h' } } });
  assert.equal(renderTemplate(compileTemplate("$input.params('k')", 't'), shadow).output, 'p');
});

test('AWS doc example: pass all parameters with nested #foreach over keySet and $foreach.hasNext', () => {
  const template = [
    '#set($allParams = $input.params())',
    '{',
    '#foreach($type in $allParams.keySet())',
    '#set($params = $allParams.get($type))',
    '"$type":{#foreach($paramName in $params.keySet())"$paramName":"$util.escapeJavaScript($params.get($paramName))"#if($foreach.hasNext),#end#end}#if($foreach.hasNext),#end',
    '#end',
    '}',
  ].join('\n');
  assert.deepEqual(JSON.parse(run(template)), {
    path: { id: '7' },
    querystring: { q: 'x y' },
    header: { 'Content-Type': 'application/json', 'X-Id': 'h' },
  });
});

// --- $context, $stageVariables ------------------------------------------------------------

test('$context values, including nested authorizer.claims.sub, identity.sourceIp, error.messageString', () => {
  assert.equal(run('$context.requestId $context.identity.sourceIp $context.authorizer.claims.sub $context.error.messageString'), 'req-1 1.2.3.4 abc "Unauthorized"');
});

test('$stageVariables.x, $stageVariables[\'x\'] and ${stageVariables[\'x\']}', () => {
  assert.equal(run("$stageVariables.v $stageVariables['my-var'] ${stageVariables['v']} ${stageVariables.v}"), 'sv dash sv sv');
});

test('an undefined reference renders as an empty string (quiet), also in method chains', () => {
  assert.equal(run('[$nope][$nope.deeper][$context.nope][$util.nope("x")][$input.path(\'$.s\').nope()]'), '[][][][][]');
});

// --- $util in templates -----------------------------------------------------------------

test('AWS doc: "$util.escapeJavaScript(data).replaceAll("\\\\\'","\'")" gives valid JSON text', () => {
  assert.equal(run(`"$util.escapeJavaScript($input.path('$.s')).replaceAll("\\\\'","'")"`), '"it\'s"');
});

test('AWS doc: $util.parseJson($input.path(\'$.errorMessage\')).key2.arr[0] is 1', () => {
  const body = JSON.stringify({ errorMessage: '{"key1":"var1","key2":{"arr":[1,2,3]}}' });
  assert.equal(run("$util.parseJson($input.path('$.errorMessage')).key2.arr[0]", { body }), '1');
});

test('$util.urlEncode / urlDecode / base64Encode / base64Decode inside templates', () => {
  assert.equal(run("$util.urlEncode('a b&c') $util.urlDecode('a+b%26c') $util.base64Encode('hi') $util.base64Decode('aGk=')"), 'a+b%26c a b&c aGk= hi');
});

// --- Velocity semantics ---------------------------------------------------------------------

test('#set, #if/#elseif/#else, string interpolation, map and list literals', () => {
  assert.equal(run('#set($x = "id-$input.params(\'id\')")$x'), 'id-7');
  assert.equal(run('#if($input.path(\'$.a\') == 2)two#elseif($input.path(\'$.a\') == 1)one#{else}other#end'), 'one');
  assert.equal(run("#set($m = {'a': 1, 'b': 'x'})$m $m.a #set($l = [1, 'two'])$l $l.size()"), '{a=1, b=x} 1 [1, two] 2');
});

test('#if follows Velocity 1.7: an empty string is true, null is false', () => {
  assert.equal(run('#if("")t#{else}f#end #if($nope)t#{else}f#end'), 't f');
});

test('integer division and string concatenation with +', () => {
  assert.equal(run('#set($d = 7 / 2)$d #set($s = "a" + 1)$s'), '3 a1');
});

test('#foreach over a map iterates its values; $velocityCount and $foreach.index count', () => {
  assert.equal(run("#foreach($v in $input.path('$.c'))[$v]#end"), '[e][[1,2]]');
  assert.equal(run('#foreach($i in [5, 6])$velocityCount:$foreach.index:$i #end'), '1:0:5 2:1:6 ');
});

test('#foreach stops after 1000 iterations (AWS limit; truncated as Velocity maxloops does)', () => {
  assert.equal(run('#foreach($i in [1..1500])x#end').length, 1000);
});

test('#macro definitions work; #break leaves the loop', () => {
  assert.equal(run('#macro(greet $n)hi $n#end#greet("bob")'), 'hi bob');
  assert.equal(run('#foreach($i in [1..5])$i#if($i == 2)#break#end#end'), '12');
});

// --- overrides -----------------------------------------------------------------------------

test('requestOverride header/querystring/path land in the result; input is not mutated', () => {
  const inp = input();
  const r = renderTemplate(
    compileTemplate("#set($context.requestOverride.header.X-Ov = 'v')#set($context.requestOverride.querystring.q = 'z')#set($context.requestOverride.path.id = $input.params('id'))#set($context.requestId = 'changed')ok", 't'),
    inp,
  );
  assert.equal(r.output, 'ok');
  assert.deepEqual(r.requestOverride, { header: { 'X-Ov': 'v' }, querystring: { q: 'z' }, path: { id: '7' } });
  assert.equal((inp.context as { requestId: string }).requestId, 'req-1');
  assert.equal(Object.hasOwn(inp.context, 'requestOverride'), false);
});

test('responseOverride.status (100–599 only) and responseOverride.header', () => {
  const r = renderTemplate(compileTemplate("#set($context.responseOverride.status = 400)#set($context.responseOverride.header.X-A = 'b')", 't'), input());
  assert.deepEqual(r.responseOverride, { status: 400, header: { 'X-A': 'b' } });
  const bad = renderTemplate(compileTemplate('#set($context.responseOverride.status = 700)', 't'), input());
  assert.equal(bad.responseOverride.status, undefined);
});

test('setting the same override twice fails (AWS: "returns a 5XX response")', () => {
  assert.throws(() => run('#set($context.responseOverride.status = 400)#set($context.responseOverride.status = 401)'), isCode('PORTICO_ERR_VTL_RUNTIME'));
});

test('overrides can be read back in the same template', () => {
  assert.equal(run("#set($context.requestOverride.header.A = 'x')$context.requestOverride.header.A"), 'x');
});

// --- errors and limits ---------------------------------------------------------------------

test('a syntax error names where, line and column', () => {
  assert.throws(
    () => compileTemplate('line one\n  #set($a = )', 'integration request application/json'),
    (e: unknown) => e instanceof VtlError && e.code === 'PORTICO_ERR_VTL_SYNTAX' && e.line === 2 && e.column === 11 && e.message.startsWith('integration request application/json: line 2, column 11'),
  );
});

test('an unclosed #if and a stray #end are syntax errors', () => {
  assert.throws(() => compileTemplate('a\n#if($x)b', 't'), (e: unknown) => e instanceof VtlError && e.code === 'PORTICO_ERR_VTL_SYNTAX' && e.line === 2 && /#if is missing its #end/.test(e.message));
  assert.throws(() => compileTemplate('a #end b', 't'), isCode('PORTICO_ERR_VTL_SYNTAX'));
});

test('a template over 300 KB is refused at compile time', () => {
  assert.throws(() => compileTemplate('x'.repeat(300 * 1024 + 1), 't'), isCode('PORTICO_ERR_VTL_LIMIT'));
  assert.doesNotThrow(() => compileTemplate('x'.repeat(300 * 1024), 't'));
});

test('runaway macro recursion is a LIMIT error', () => {
  assert.throws(() => run('#macro(r)#r()#end#r()'), isCode('PORTICO_ERR_VTL_LIMIT'));
});

test('a compiled template renders many times with independent state', () => {
  const t = compileTemplate("#set($context.requestOverride.header.A = $input.params('id'))$input.params('id')", 't');
  const a = renderTemplate(t, input({ params: { path: { id: '1' }, querystring: {}, header: {} } }));
  const b = renderTemplate(t, input({ params: { path: { id: '2' }, querystring: {}, header: {} } }));
  assert.deepEqual([a.output, a.requestOverride.header, b.output, b.requestOverride.header], ['1', { A: '1' }, '2', { A: '2' }]);
});

// --- injection safety --------------------------------------------------------------------

const EVIL = '#set($context.responseOverride.status = 500)$util.base64Encode("x")${context.requestId}#foreach($i in [1..3])$i#end#evaluate("$x")';

test('request data containing VTL comes out verbatim from $input.body, $input.path and headers', () => {
  const body = JSON.stringify({ v: EVIL });
  const r = renderTemplate(compileTemplate("$input.body|$input.path('$.v')|$input.params('h')|\"$input.params('h')\"", 't'), input({ body, params: { path: {}, querystring: {}, header: { h: EVIL } } }));
  assert.equal(r.output, `${body}|${EVIL}|${EVIL}|"${EVIL}"`);
  assert.equal(r.responseOverride.status, undefined);
});

test('data in interpolated strings and $context values is not evaluated either', () => {
  const evilContext = { requestId: EVIL };
  assert.equal(run('#set($s = "id=$context.requestId")$s', { context: evilContext }), `id=${EVIL}`);
  assert.equal(run("#set($x = $util.escapeJavaScript($input.params('h')))$x", { params: { path: {}, querystring: {}, header: { h: '$util' } } }), '$util');
});

test('#evaluate, #eval, #include and #parse never run: they render empty', () => {
  assert.equal(run('[#evaluate($input.body)][#eval("#set($x = 1)")][$x][#include("f")][#parse("f")]', { body: '#set($x = 1)' }), '[][][][][]');
});

test('templates cannot reach JS internals: constructor, __proto__, getClass, Function', () => {
  const t = '[$input.getClass()][$util.constructor][$context.constructor][$input.__proto__][$context.toString][$util.call("escapeJavaScript")]';
  assert.equal(run(t), '[][][][][][]');
  assert.equal(run("[$context.constructor.constructor('globalThis.__vtlPwned = 1')][$input.json.constructor('globalThis.__vtlPwned = 1')]"), '[][]');
  assert.equal((globalThis as Record<string, unknown>)['__vtlPwned'], undefined);
});

test('#set cannot pollute prototypes', () => {
  run("#set($context.__proto__.polluted = 'yes')#set($m = {})#set($m.__proto__ = 'x')#set($__proto__ = 'y')$m");
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  assert.equal(run("#set($m = {})#set($m.__proto__ = 'x')$m.get('__proto__') $m.size()"), 'x 1');
});
