import { functionArgs } from './function-args.js';
import { readDeploySettings } from './settings.js';
import { allowBrowserUploads } from './storage.js';

const settings = readDeploySettings(process.env);

/**
 * The Hono app behind an HTTP API (API Gateway v2, payload format 2.0, the event shape
 * `hono/aws-lambda` reads). An HTTP API rather than a function URL because the app must know its
 * own public address (BASE_URL, in every emailed link): the API's URL exists before its route's
 * function, a function URL only after. One `$default` route: Hono does the routing.
 * CORS is the app's business (open on /api/subscribe only), so the gateway adds none.
 */
export const api = new sst.aws.ApiGatewayV2('Api', {
  cors: false,
  ...(settings.webDomain ? { domain: settings.webDomain } : {}),
  transform: { stage: throttled },
});

/** Every route's throttle (DISPATCH_API_RATE_LIMIT, DISPATCH_API_BURST_LIMIT; infra/settings.ts). */
function throttled(args: aws.apigatewayv2.StageArgs): undefined {
  args.defaultRouteSettings = {
    throttlingRateLimit: settings.apiThrottle.rateLimit,
    throttlingBurstLimit: settings.apiThrottle.burstLimit,
  };
}

export const publicRoute = api.route('$default', functionArgs('api', { baseUrl: api.url }));
allowBrowserUploads(api.url);
/**
 * The editors' workspace is its own function (it carries MJML for previews and test sends, which
 * the public API's bundle must not); API Gateway sends the workspace's and the admin API's paths
 * to it. One function, three routes.
 */
export const adminFunction = new sst.aws.Function(
  'Admin',
  functionArgs('admin', { baseUrl: api.url }),
);
for (const route of ['ANY /admin', 'ANY /admin/{proxy+}', 'ANY /api/admin/{proxy+}'])
  api.route(route, adminFunction.arn);

/** The feeds: the public app plus the feed library, kept out of the signup API's bundle. */
export const feedsFunction = new sst.aws.Function(
  'Feeds',
  functionArgs('feeds', { baseUrl: api.url }),
);
for (const route of ['GET /feed.xml', 'GET /atom.xml']) api.route(route, feedsFunction.arn);
