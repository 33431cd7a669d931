// A public value (a maps key, say): this file is in `allowClient`, so it may reach the browser.
export const publicKey = "%PUBLIC_KEY%";
