export const dynamic = 'force-static';

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Synkronus API</title>
  <link rel="stylesheet" href="/openapi/swagger-ui/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/openapi/swagger-ui/swagger-ui-bundle.js"></script>
  <script src="/openapi/swagger-ui/swagger-init.js"></script>
</body>
</html>
`;

export function GET(): Response {
  return new Response(PAGE, { headers: { 'Content-Type': 'text/html; charset=utf-8' } });
}
