export default function Home() {
  return (
    <main style={{ maxWidth: 640, margin: '4rem auto', padding: '0 1rem', lineHeight: 1.5 }}>
      <h1>Synkronus</h1>
      <p>The sync hub of the Open Data Ensemble: Formulus devices sync observations and attachments here, and admins publish app bundles.</p>
      <ul>
        <li>
          <a href="/openapi/swagger">API documentation (Swagger UI)</a>
        </li>
        <li>
          <a href="/openapi/synkronus.json">OpenAPI document</a>
        </li>
        <li>
          <a href="/health">Health</a>
        </li>
      </ul>
    </main>
  );
}
