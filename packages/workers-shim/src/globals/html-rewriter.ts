import { createRequire } from "node:module";
import type * as Wasm from "html-rewriter-wasm";

type Handlers =
  | { kind: "element"; selector: string; handlers: Wasm.ElementHandlers }
  | { kind: "document"; handlers: Wasm.DocumentHandlers };

let wasmModule: typeof Wasm | undefined;

function loadWasm(): typeof Wasm {
  // Loaded on first use: the WebAssembly module is compiled only by workers that rewrite HTML.
  wasmModule ??= createRequire(import.meta.url)("html-rewriter-wasm") as typeof Wasm;
  return wasmModule;
}

/**
 * workerd's `HTMLRewriter` (on/onDocument/transform) on top of html-rewriter-wasm, the
 * WebAssembly build of the same lol-html parser workerd uses.
 */
export function createHtmlRewriter(enableEsiTags: boolean) {
  class HTMLRewriter {
    readonly #handlers: Handlers[] = [];
    on(selector: string, handlers: Wasm.ElementHandlers): this {
      this.#handlers.push({ kind: "element", selector: String(selector), handlers });
      return this;
    }
    onDocument(handlers: Wasm.DocumentHandlers): this {
      this.#handlers.push({ kind: "document", handlers });
      return this;
    }
    transform(response: Response): Response {
      if (!(response instanceof Response)) {
        throw new TypeError("Failed to execute 'transform' on 'HTMLRewriter': parameter 1 is not of type 'Response'.");
      }
      const source = response.body;
      const handlers = [...this.#handlers];
      if (source === null) return new Response(null, response);
      const { HTMLRewriter: WasmRewriter } = loadWasm();
      let rewriter: Wasm.HTMLRewriter | undefined;
      const reader: ReadableStreamDefaultReader<unknown> = source.getReader();
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          rewriter = new WasmRewriter(
            (chunk) => {
              if (chunk.byteLength > 0) controller.enqueue(chunk.slice());
            },
            { enableEsiTags },
          );
          for (const h of handlers) {
            if (h.kind === "element") rewriter.on(h.selector, h.handlers);
            else rewriter.onDocument(h.handlers);
          }
        },
        async pull(controller) {
          const current = rewriter!;
          try {
            const { done, value } = await reader.read();
            if (done) {
              await current.end();
              current.free();
              controller.close();
            } else {
              await current.write(value instanceof Uint8Array ? value : new Uint8Array(value as ArrayBuffer));
            }
          } catch (error) {
            current.free();
            controller.error(error);
          }
        },
        cancel(reason) {
          rewriter?.free();
          return reader.cancel(reason);
        },
      });
      const result = new Response(body, response);
      result.headers.delete("content-length");
      return result;
    }
  }
  return HTMLRewriter;
}
