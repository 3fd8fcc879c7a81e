// The same handlers as portico's bench project (bench/project), for serverless-offline.
export { handler } from '../project/handler.mjs';
export { handler as echo } from '../project/echo.mjs';

// serverless-offline refuses connections (502) when there is no $connect route; portico's
// bench API has none, so this one only accepts.
export const connect = async () => ({ statusCode: 200 });
