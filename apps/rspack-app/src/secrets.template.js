// Placeholders: the test writes secrets.generated.js with real s5 tokens in their place.
export const dbPassword = "%DB_PASSWORD%";
export const greeting = `Hello, %GREETING%!`;
