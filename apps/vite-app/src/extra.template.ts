// The test replaces this file to check that a token in client code fails the build.
export const extra = "nothing secret";
