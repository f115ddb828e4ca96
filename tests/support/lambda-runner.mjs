// One Lambda execution environment, as the Node.js runtime runs it: the bundle is imported once
// (the cold start, in the package folder with only the function's environment), then each
// invocation message calls the handler with (event, context) and the answer goes back over IPC.
// Plain JavaScript: it runs in a bare `node`, like the runtime, without the test's TypeScript loader.
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';

const [bundle, exportName, timeoutMs, functionName] = process.argv.slice(2);

const loaded = import(pathToFileURL(bundle).href).then((module) => {
  const handler = module[exportName];
  if (typeof handler !== 'function')
    throw new Error(`${bundle} does not export a function named ${exportName}`);
  return handler;
});
// An init failure is reported on the first invocation, as Lambda reports it.
loaded.catch(() => {});

const describe = (error) => ({
  name: error?.name ?? 'Error',
  message: error?.message ?? String(error),
  stack: error?.stack,
});

process.on('message', async ({ id, event }) => {
  try {
    const handler = await loaded;
    const deadline = Date.now() + Number(timeoutMs);
    const context = {
      awsRequestId: randomUUID(),
      functionName,
      functionVersion: '$LATEST',
      memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    };
    const result = await handler(event, context);
    process.send({ id, ok: true, result: result ?? null });
  } catch (error) {
    process.send({ id, ok: false, error: describe(error) });
  }
});
// Which Node runs it: the bundle test holds it to the runtime infra names (nodejs22.x).
process.send({ ready: true, node: process.version });
