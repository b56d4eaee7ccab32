import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

// The new-user check: Hono's documented Cloudflare Workers app, unchanged
// (fixtures/hono/worker.js), served by `workers-shim serve` and asked over HTTP which runtime
// Hono detects.

const CLI = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const CONFIG = fileURLToPath(new URL("./fixtures/hono/config.json", import.meta.url));
const INDEX = new URL("../dist/index.js", import.meta.url).href;
const LISTENING = /^workers-shim: listening on http:\/\/127\.0\.0\.1:(\d+)$/m;

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
});

/** Starts `workers-shim serve` on the Hono app, without --experimental-vm-modules (the CLI adds it). */
async function serveHono() {
  const child = spawn(process.execPath, [CLI, "serve", CONFIG, "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let stderr = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
      const match = LISTENING.exec(stderr);
      if (match !== null) resolve(Number(match[1]));
    });
    void exited.then((code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
  return { child, port, exited, stderr: () => stderr };
}

describe("Hono's Workers app", () => {
  it("is served by workers-shim serve and detects the runtime as workerd", { timeout: 30_000 }, async () => {
    const { child, port, exited, stderr } = await serveHono();
    const home = await fetch(`http://127.0.0.1:${port}/`);
    expect([home.status, await home.text()]).toEqual([200, "Hello Hono!"]);
    const runtime = await fetch(`http://127.0.0.1:${port}/runtime`);
    expect([runtime.status, await runtime.text()]).toEqual([200, "workerd"]);
    const missing = await fetch(`http://127.0.0.1:${port}/nope`);
    expect(missing.status).toBe(404);
    await missing.text();
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(stderr().trim().split("\n")).toEqual([expect.stringMatching(LISTENING)]);
  });
});

describe("the CLI's re-run with --experimental-vm-modules", () => {
  it("does not outlive a killed parent", { timeout: 30_000 }, async () => {
    const { child, port, exited } = await serveHono();
    child.kill("SIGKILL");
    await exited;
    // The flagged process serves the port; once it is gone, connections are refused.
    let refused = false;
    for (let attempt = 0; attempt < 200 && !refused; attempt++) {
      try {
        await (await fetch(`http://127.0.0.1:${port}/`)).text();
        await new Promise((resolve) => setTimeout(resolve, 50));
      } catch {
        refused = true;
      }
    }
    expect(refused).toBe(true);
  });
});

describe("createRuntime without --experimental-vm-modules", () => {
  it("rejects with ERR_VM_MODULES naming the flag", () => {
    const script = [
      `const { createRuntime, loadConfig } = await import(${JSON.stringify(INDEX)});`,
      `try { await createRuntime(loadConfig(${JSON.stringify(CONFIG)})); console.log("loaded"); }`,
      `catch (error) { console.log(error.code + " " + error.message); }`,
    ].join("\n");
    const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(run.stderr).toBe("");
    expect(run.stdout.trim()).toBe(
      "ERR_VM_MODULES workers-shim: workers run as vm modules, which need Node.js started with --experimental-vm-modules (e.g. NODE_OPTIONS=--experimental-vm-modules); this process was started without it.",
    );
  });
});
