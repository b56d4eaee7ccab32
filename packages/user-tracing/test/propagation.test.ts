import { AsyncLocalStorage, AsyncResource } from "node:async_hooks";
import { describe, expect, it } from "vitest";
import { reportLog } from "@workers-tracing/core-context";
import { Tracing, tracing } from "../src/index";
import { close, log, open, outcome, parents, testOnset, trace } from "./helpers";

/** Opens and closes a span named `name` under the current span. */
function mark(name: string): void {
  tracing.enterSpan(name, () => {});
}

describe(Tracing.name, () => {
  describe("context propagation (spec §3.4)", () => {
    it("keeps the span current after await inside the callback", async () => {
      const { events } = await trace(() =>
        tracing.enterSpan("outer", async () => {
          await null;
          mark("after await");
          await new Promise((resolve) => setTimeout(resolve, 0));
          reportLog("log", ["after timer"]);
        }),
      );
      expect(events).toStrictEqual([
        testOnset(),
        open(1, 1, "outer", 2),
        open(2, 2, "after await", 3),
        close(3, 3),
        log(4, 2, ["after timer"]),
        close(5, 2),
        outcome(6),
      ]);
    });

    it("runs then(), queueMicrotask and setTimeout callbacks scheduled inside in the span, after it ended", async () => {
      const { events } = await trace(async () => {
        const done: Promise<void>[] = [];
        tracing.enterSpan("scheduler", () => {
          done.push(Promise.resolve().then(() => mark("then")));
          done.push(new Promise((resolve) => queueMicrotask(() => resolve(mark("microtask")))));
          done.push(new Promise((resolve) => setTimeout(() => resolve(mark("timer")), 0)));
        });
        await Promise.all(done);
      });
      expect(events).toStrictEqual([
        testOnset(),
        open(1, 1, "scheduler", 2),
        close(2, 2),
        open(3, 2, "then", 3),
        close(4, 3),
        open(5, 2, "microtask", 4),
        close(6, 4),
        open(7, 2, "timer", 5),
        close(8, 5),
        outcome(9),
      ]);
    });

    it("uses the span current when then() is registered, not when the promise is resolved", async () => {
      const { raw } = await trace(async () => {
        let resolveOutside!: () => void;
        const resolvedInside = new Promise<void>((resolve) => tracing.enterSpan("resolves", () => resolve()));
        const resolvedOutside = new Promise<void>((resolve) => (resolveOutside = resolve));
        const registeredOutside = resolvedInside.then(() => mark("registered outside"));
        let registeredInside!: Promise<void>;
        tracing.enterSpan("registers", () => {
          registeredInside = resolvedOutside.then(() => mark("registered inside"));
        });
        resolveOutside();
        await Promise.all([registeredOutside, registeredInside]);
      });
      expect(parents(raw)).toEqual({
        resolves: "(onset)",
        registers: "(onset)",
        "registered outside": "(onset)",
        "registered inside": "registers",
      });
    });

    it("uses the caller's span for a function created inside a span and called outside", async () => {
      const { raw } = await trace(() => {
        const made = tracing.enterSpan("creator", () => () => mark("dynamic"));
        made();
        tracing.enterSpan("caller", made);
      });
      expect(parents(raw)).toEqual({ creator: "(onset)", dynamic: "caller", caller: "(onset)" });
      expect(
        raw.filter((e) => e.event.type === "spanOpen").map((e) => e.event.type === "spanOpen" && e.event.name),
      ).toEqual(["creator", "dynamic", "caller", "dynamic"]);
    });

    it("restores the span through AsyncLocalStorage.snapshot() and AsyncResource.bind() taken inside it", async () => {
      const { raw } = await trace(() => {
        const [snapshot, bound] = tracing.enterSpan("captured", () => [
          AsyncLocalStorage.snapshot(),
          AsyncResource.bind(() => mark("via bind")),
        ]);
        snapshot(() => mark("via snapshot"));
        bound();
      });
      expect(parents(raw)).toEqual({ captured: "(onset)", "via snapshot": "captured", "via bind": "captured" });
    });

    it("is independent of user AsyncLocalStorage instances", async () => {
      const als = new AsyncLocalStorage<string>();
      const stores: (string | undefined)[] = [];
      const { raw } = await trace(() => {
        als.run("around", () =>
          tracing.enterSpan("inside als", () => {
            stores.push(als.getStore());
            als.run("inside", () => {
              stores.push(als.getStore());
              mark("child of inside als");
            });
            als.exit(() => mark("als exited"));
          }),
        );
        stores.push(als.getStore());
      });
      expect(stores).toEqual(["around", "inside", undefined]);
      expect(parents(raw)).toEqual({
        "inside als": "(onset)",
        "child of inside als": "inside als",
        "als exited": "inside als",
      });
    });

    it("makes code after a synchronous or awaited enterSpan a sibling, not a child", async () => {
      const { raw } = await trace(async () => {
        mark("first");
        mark("second");
        await tracing.enterSpan("awaited", async () => {
          await null;
        });
        mark("after awaited");
      });
      expect(parents(raw)).toEqual({
        first: "(onset)",
        second: "(onset)",
        awaited: "(onset)",
        "after awaited": "(onset)",
      });
    });

    it("never makes a startSpan result current", async () => {
      const { raw } = await trace(() => {
        const started = tracing.startSpan("started");
        mark("sibling");
        tracing.enterSpan("outer", () => {
          const inner = tracing.startSpan("inner started");
          mark("outer's child");
          inner.end();
        });
        started.end();
      });
      expect(parents(raw)).toEqual({
        started: "(onset)",
        sibling: "(onset)",
        outer: "(onset)",
        "inner started": "outer",
        "outer's child": "outer",
      });
    });

    it("keeps a startActiveSpan span current for continuations scheduled inside it, even after end()", async () => {
      const { events } = await trace(async () => {
        const result = tracing.startActiveSpan("active", async (span) => {
          mark("sync child");
          await null;
          span.end();
          mark("child after end");
          reportLog("log", ["log after end"]);
        });
        mark("caller's");
        await result;
      });
      expect(events).toStrictEqual([
        testOnset(),
        open(1, 1, "active", 2),
        open(2, 2, "sync child", 3),
        close(3, 3),
        open(4, 1, "caller's", 4),
        close(5, 4),
        close(6, 2),
        open(7, 2, "child after end", 5),
        close(8, 5),
        log(9, 2, ["log after end"]),
        outcome(10),
      ]);
    });
  });

  describe("code that runs after its span ended (spec §3.5)", () => {
    it("reports a late child after its parent's spanClose, with the ended parent, and logs on the ended span", async () => {
      const { events } = await trace(async () => {
        let done!: () => void;
        const late = new Promise<void>((resolve) => (done = resolve));
        tracing.enterSpan("B", () =>
          setTimeout(() => {
            mark("B.lateChild");
            reportLog("log", ["late"]);
            done();
          }, 0),
        );
        await late;
      });
      expect(events).toStrictEqual([
        testOnset(),
        open(1, 1, "B", 2),
        close(2, 2),
        open(3, 2, "B.lateChild", 3),
        close(4, 3),
        log(5, 2, ["late"]),
        outcome(6),
      ]);
    });
  });
});
