// Runs a verdaccio registry for the release rehearsal: `node verdaccio.mjs <config.yaml>`, started
// with an IPC channel. It listens on a free loopback port, sends `{ port }` to its parent, and
// exits when the parent goes away.
import { runServer } from "verdaccio";

const app = await runServer(process.argv[2]);
const server = app.listen(0, "127.0.0.1", () => process.send({ port: server.address().port }));
process.once("disconnect", () => process.exit(0));
