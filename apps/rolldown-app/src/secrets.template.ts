export const dbPassword: string = "%DB_PASSWORD%";
