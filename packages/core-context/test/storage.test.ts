import { AsyncLocalStorage } from "node:async_hooks";
import { describe, expect, it } from "vitest";
import { createStorageKey, StorageKey } from "../src/index";

describe(StorageKey.name, () => {
  it("returns undefined outside run()", () => {
    expect(new StorageKey<string>("storage-test-outside").get()).toBeUndefined();
  });

  it("makes the value current for the synchronous scope and restores the previous one", () => {
    const key = new StorageKey<string>("storage-test-scope");
    const seen: (string | undefined)[] = [];
    key.run("outer", () => {
      seen.push(key.get());
      key.run("inner", () => seen.push(key.get()));
      seen.push(key.get());
    });
    seen.push(key.get());
    expect(seen).toEqual(["outer", "inner", "outer", undefined]);
  });

  it("restores the previous value when the callback throws", () => {
    const key = new StorageKey<string>("storage-test-throw");
    const error = new Error("boom");
    key.run("outer", () => {
      expect(() =>
        key.run("inner", () => {
          throw error;
        }),
      ).toThrow(error);
      expect(key.get()).toBe("outer");
    });
  });

  it("passes the extra arguments and returns the callback's result", () => {
    const key = new StorageKey<number>("storage-test-args");
    const marker = {};
    const result = key.run(1, (a: object, b: undefined, c: number) => [a, b, c, key.get()], marker, undefined, 3);
    expect(result).toEqual([marker, undefined, 3, 1]);
    expect(result[0]).toBe(marker);
  });

  it("keeps the value across await, then(), queueMicrotask and setTimeout", async () => {
    const key = new StorageKey<string>("storage-test-async");
    const seen = await key.run("v", async () => {
      const values: (string | undefined)[] = [];
      await null;
      values.push(key.get());
      await Promise.resolve().then(() => values.push(key.get()));
      await new Promise<void>((resolve) =>
        queueMicrotask(() => {
          values.push(key.get());
          resolve();
        }),
      );
      await new Promise<void>((resolve) =>
        setTimeout(() => {
          values.push(key.get());
          resolve();
        }, 0),
      );
      return values;
    });
    expect(seen).toEqual(["v", "v", "v", "v"]);
  });

  it("calls the callback with this set to null, as AsyncLocalStorage.run does", () => {
    const key = new StorageKey<number>("storage-test-this");
    const seen = key.run(1, function (this: unknown) {
      return [
        this,
        key.run(2, function (this: unknown) {
          return this;
        }),
      ];
    });
    expect(seen).toEqual([null, null]);
  });

  it("keeps no value inside exit() after a nested run(), unlike Node 20's AsyncLocalStorage", () => {
    const key = new StorageKey<string>("storage-test-run-in-exit");
    const seen = key.run("outer", () => key.exit(() => [key.run("inner", () => key.get()), key.get()]));
    expect(seen).toEqual(["inner", undefined]);
    // AsyncLocalStorage.exit() only disables the storage, and a nested run() enables it again,
    // so the outer value comes back; StorageKey.exit() really has no value current.
    const als = new AsyncLocalStorage<string>();
    const quirk = als.run("outer", () => als.exit(() => [als.run("inner", () => als.getStore()), als.getStore()]));
    expect(quirk).toEqual(["inner", "outer"]);
  });

  it("runs exit() with no value current", () => {
    const key = new StorageKey<string>("storage-test-exit");
    const seen = key.run("v", () => [key.exit(() => key.get()), key.get()]);
    expect(seen).toEqual([undefined, "v"]);
  });

  it("gives async work started inside exit() no value, and keeps the outer value after it", async () => {
    const key = new StorageKey<string>("storage-test-exit-async");
    const seen = await key.run("v", async () => {
      const inner = key.exit(
        () => new Promise<string | undefined>((resolve) => setTimeout(() => resolve(key.get()), 1)),
      );
      const microtask = key.exit(() => Promise.resolve().then(() => key.get()));
      return [await inner, await microtask, key.get()];
    });
    expect(seen).toEqual([undefined, undefined, "v"]);
  });

  it("binds a function to the value current when bind() is called", () => {
    const key = new StorageKey<string>("storage-test-bind");
    const bound = key.run("captured", () => key.bind((suffix: string) => `${key.get()}${suffix}`));
    expect(bound("!")).toBe("captured!");
    expect(key.run("other", () => bound("?"))).toBe("captured?");
  });

  it("binds a function created outside run() to no value", () => {
    const key = new StorageKey<string>("storage-test-bind-empty");
    const bound = key.bind(() => key.get());
    expect(key.run("other", bound)).toBeUndefined();
  });

  it("shares one storage between keys created for the same purpose", () => {
    // Two installed copies of the package each create their own key for the same purpose.
    const first = new StorageKey<string>("same-purpose");
    const second = new StorageKey<string>("same-purpose");
    expect(first).not.toBe(second);
    expect(first.run("shared", () => second.get())).toBe("shared");
    expect(second.run("back", () => first.get())).toBe("back");
  });

  it("keeps keys of different purposes independent", () => {
    const first = new StorageKey<string>("purpose-a");
    const second = new StorageKey<string>("purpose-b");
    expect(first.run("a", () => second.get())).toBeUndefined();
  });

  it("is invisible to user AsyncLocalStorage instances", () => {
    const key = new StorageKey<string>("storage-test-als");
    const als = new AsyncLocalStorage<string>();
    const seen = als.run("user", () => key.run("mine", () => [als.getStore(), key.get()]));
    expect(seen).toEqual(["user", "mine"]);
    expect(key.run("mine", () => als.run("user", () => key.get()))).toBe("mine");
  });
});

describe(createStorageKey.name, () => {
  it("returns a key for the purpose that shares storage with StorageKey", () => {
    const created = createStorageKey<number>("storage-test-factory");
    expect(created).toBeInstanceOf(StorageKey);
    expect(created.purpose).toBe("storage-test-factory");
    expect(created.run(7, () => new StorageKey<number>("storage-test-factory").get())).toBe(7);
  });
});
