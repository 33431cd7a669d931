// Server-only values: imported by entry-server.ts, never by the client entry.
export const dbPassword = "%DB_PASSWORD%";
export const greeting = `Hello, %GREETING%!`;
