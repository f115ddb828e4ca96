/**
 * The load generator of the signup benchmark, run in its own process
 * (`node --import tsx tests/bench/cannon.ts '<json options>'`, the result as one JSON line on
 * stdout). In the process under test, autocannon's own CPU (request building, parsing,
 * histograms) would be taken from the server it measures, and more from the side making more
 * requests per second: the bare route. Each signup posts a fresh address, named by `prefix`.
 */
import autocannon from 'autocannon';

export type CannonOptions = { url: string; seconds: number; prefix: string; connections: number };
export type Cannon = {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  ok: number;
  errors: number;
  /** The addresses whose signup was answered 2xx, to check each reached the table. */
  emails: string[];
};

export async function cannon({
  url,
  seconds,
  prefix,
  connections,
}: CannonOptions): Promise<Cannon> {
  let n = 0;
  const emails: string[] = [];
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        setupRequest: (req, context) => {
          const email = `${prefix}.${process.pid}.${n++}@example.com`;
          (context as { email?: string }).email = email;
          return {
            ...req,
            body: JSON.stringify({ email, topics: ['security'], frequency: 'weekly' }),
          };
        },
        onResponse: (status, _body, context) => {
          if (status >= 200 && status < 300) emails.push((context as { email: string }).email);
        },
      },
    ],
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    ok: result['2xx'],
    errors: result.errors,
    emails,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await cannon(JSON.parse(process.argv[2]!) as CannonOptions);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
