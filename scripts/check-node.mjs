// Runs before `npm install`: s5 needs Node >= 22.12 (CI uses Node 24 LTS).
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  console.error(
    `s5 needs Node >= 22.12 (this is Node ${process.versions.node}).\n` +
      "Install Node 24 LTS, or run `source .ci/node-env` to use the project's cached Node 24, then run the command again.",
  );
  process.exit(1);
}
