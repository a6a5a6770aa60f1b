// A tiny arithmetic language for experiment files, so a value can follow from the point's variables
// (`"= ceil(agents * 2 / frameworks)"`) without the file holding code. Numbers, variables, + - * / %,
// parentheses, unary minus and a few functions; nothing else, and no access to anything but the
// variables given.

/** Functions an expression may call. */
const functions: Readonly<Record<string, (...args: number[]) => number>> = {
  ceil: Math.ceil,
  floor: Math.floor,
  round: Math.round,
  min: Math.min,
  max: Math.max,
  ln: Math.log,
  sqrt: Math.sqrt,
  /** Size of part `i` of `total` split into `n` nearly equal whole parts (the larger parts last). */
  part: (total, n, i) => Math.floor(((i + 1) * total) / n) - Math.floor((i * total) / n),
};

type Token = { kind: 'num'; value: number } | { kind: 'id'; name: string } | { kind: 'op'; op: string };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s*(?:(\d+(?:\.\d*)?(?:e[+-]?\d+)?|\.\d+)|([A-Za-z_][A-Za-z0-9_]*)|([-+*/%(),]))/y;
  let at = 0;
  while (at < text.length) {
    if (/^\s*$/.test(text.slice(at))) break;
    re.lastIndex = at;
    const m = re.exec(text);
    if (m === null) throw new Error(`expression '${text}': unexpected '${text.slice(at).trim()}'`);
    at = re.lastIndex;
    if (m[1] !== undefined) tokens.push({ kind: 'num', value: Number(m[1]) });
    else if (m[2] !== undefined) tokens.push({ kind: 'id', name: m[2] });
    else tokens.push({ kind: 'op', op: m[3]! });
  }
  return tokens;
}

/** Evaluates an arithmetic expression over `vars`; throws naming the expression on any error. */
export function evaluate(text: string, vars: Readonly<Record<string, unknown>>): number {
  const tokens = tokenize(text);
  let i = 0;
  const fail = (what: string): never => {
    throw new Error(`expression '${text}': ${what}`);
  };
  const peek = (op: string) => {
    const t = tokens[i];
    return t !== undefined && t.kind === 'op' && t.op === op;
  };
  const expect = (op: string) => {
    if (!peek(op)) fail(`expected '${op}'`);
    i++;
  };
  const sum = (): number => {
    let x = product();
    while (peek('+') || peek('-'))
      x = (tokens[i++] as { op: string }).op === '+' ? x + product() : x - product();
    return x;
  };
  const product = (): number => {
    let x = unary();
    while (peek('*') || peek('/') || peek('%')) {
      const op = (tokens[i++] as { op: string }).op;
      const y = unary();
      x = op === '*' ? x * y : op === '/' ? x / y : x % y;
    }
    return x;
  };
  const unary = (): number => {
    if (peek('-')) {
      i++;
      return -unary();
    }
    return atom();
  };
  const atom = (): number => {
    const t = tokens[i++];
    if (t === undefined) return fail('ends too early');
    if (t.kind === 'num') return t.value;
    if (t.kind === 'op') {
      if (t.op !== '(') fail(`unexpected '${t.op}'`);
      const x = sum();
      expect(')');
      return x;
    }
    if (peek('(')) return call(t.name);
    const value = vars[t.name];
    if (typeof value !== 'number')
      fail(`variable '${t.name}' is ${value === undefined ? 'not set' : 'not a number'}`);
    return value as number;
  };
  const call = (name: string): number => {
    const f = functions[name];
    if (f === undefined) fail(`unknown function '${name}'; known: ${Object.keys(functions).join(', ')}`);
    expect('(');
    const args: number[] = [];
    if (!peek(')')) {
      args.push(sum());
      while (peek(',')) {
        i++;
        args.push(sum());
      }
    }
    expect(')');
    return f!(...args);
  };
  const value = sum();
  if (i < tokens.length) fail('unexpected text after the end');
  if (!Number.isFinite(value)) fail(`value is ${value}`);
  return value;
}
