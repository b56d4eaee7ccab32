// Worker run by record-globals.mjs: each case logs "CASE <name>", then does something whose
// warning log events (and result) workerd reports; the tail worker prints every log event.

function result(label, fn) {
  try {
    const value = fn();
    console.log(`RESULT ${label}`, value === undefined ? "undefined" : JSON.stringify(value));
  } catch (error) {
    console.log(`THROWS ${label}`, `${error.name}: ${error.message}`);
  }
}

const hostileGetter = () => ({
  get x() {
    throw new Error("getter boom");
  },
});

function errorWithThrowingStack() {
  const error = new Error("stack boom");
  Object.defineProperty(error, "stack", {
    get() {
      throw new Error("stack getter");
    },
  });
  return error;
}

function errorWithThrowingName() {
  const error = new TypeError("name boom");
  Object.defineProperty(error, "name", {
    get() {
      throw new Error("name getter");
    },
  });
  return error;
}

function errorWithThrowingMessage() {
  const error = new RangeError("x");
  Object.defineProperty(error, "message", {
    get() {
      throw new Error("message getter");
    },
  });
  return error;
}

const throwingProxy = () =>
  new Proxy(
    {},
    {
      get() {
        throw new Error("proxy get");
      },
      ownKeys() {
        throw new Error("proxy ownKeys");
      },
      getOwnPropertyDescriptor() {
        throw new Error("proxy gopd");
      },
      getPrototypeOf() {
        throw new Error("proxy getPrototypeOf");
      },
    },
  );

export default {
  async test() {
    console.log("CASE response-204-empty-string");
    result("status", () => new Response("", { status: 204 }).status);
    console.log("CASE response-204-null");
    result("status", () => new Response(null, { status: 204 }).status);
    console.log("CASE response-204-text");
    result("status", () => new Response("x", { status: 204 }).status);
    console.log("CASE response-304-empty-string");
    result("status", () => new Response("", { status: 304 }).status);
    console.log("CASE response-205-empty-string");
    result("status", () => new Response("", { status: 205 }).status);
    console.log("CASE response-204-empty-buffer");
    result("status", () => new Response(new Uint8Array(0), { status: 204 }).status);
    console.log("CASE response-formdata-custom-content-type");
    {
      const fd = new FormData();
      fd.append("a", "1");
      result("content-type", () =>
        new Response(fd, { headers: { "content-type": "multipart/form-data" } }).headers.get("content-type"),
      );
    }
    console.log("CASE request-formdata-custom-content-type");
    {
      const fd = new FormData();
      fd.append("a", "1");
      result("content-type", () =>
        new Request("https://example.com/", {
          method: "POST",
          body: fd,
          headers: { "content-type": "application/x-custom" },
        }).headers.get("content-type"),
      );
    }
    console.log("CASE response-formdata-default-content-type");
    {
      const fd = new FormData();
      fd.append("a", "1");
      result("starts", () => new Response(fd).headers.get("content-type").slice(0, 30));
    }
    console.log("CASE console-getter-throws");
    result("log", () => console.log("a", hostileGetter()));
    console.log("CASE console-error-stack-throws");
    result("log", () => console.log(errorWithThrowingStack()));
    console.log("CASE console-error-name-throws");
    result("log", () => console.error(errorWithThrowingName()));
    console.log("CASE console-error-message-throws");
    result("log", () => console.warn(errorWithThrowingMessage()));
    console.log("CASE console-proxy-throws");
    result("log", () => console.info(throwingProxy()));
    console.log("CASE console-tojson-throws");
    result("log", () =>
      console.log({
        toJSON() {
          throw new Error("toJSON boom");
        },
      }),
    );
    console.log("CASE console-error-with-cause");
    result("log", () => console.log(new Error("outer", { cause: new Error("inner") })));
    console.log("CASE console-error-subclass");
    result("log", () => {
      class MyError extends Error {
        constructor(m) {
          super(m);
          this.name = "MyError";
        }
      }
      console.log(new MyError("mine"), 1);
    });
    console.log("CASE console-error-no-stack");
    result("log", () => {
      const e = new Error("nostack");
      e.stack = undefined;
      console.log(e);
    });
    console.log("CASE console-error-non-string-stack");
    result("log", () => {
      const e = new Error("numstack");
      e.stack = 42;
      console.log(e);
      console.log("STACK", String(e.stack));
    });
    console.log("CASE console-error-name-non-string");
    result("log", () => {
      const e = new Error("m");
      e.name = 42;
      console.log(e);
      console.log("STACK", String(e.stack));
    });
    console.log("CASE console-error-message-object");
    result("log", () => {
      const e = new Error("m");
      e.message = { a: 1 };
      console.log(e);
      console.log("STACK", String(e.stack));
    });
    console.log("CASE console-object-with-error-member");
    result("log", () => console.log({ e: new Error("member") }));
    console.log("CASE console-mixed-stack-throws");
    result("log", () => console.log(new Error("ok"), errorWithThrowingStack(), 3));
    console.log("CASE console-mixed-name-throws");
    result("log", () => console.log(errorWithThrowingName(), new Error("ok")));
    console.log("CASE console-error-stack-null");
    result("log", () => {
      const e = new Error("nullstack");
      e.stack = null;
      console.log(e);
    });
    console.log("CASE console-error-stack-header-only");
    result("log", () => {
      const e = new Error("bare");
      e.stack = "Error: bare";
      console.log(e);
    });
    console.log("CASE console-error-empty-name");
    result("log", () => {
      const e = new Error("nameless");
      e.name = "";
      console.log(e);
      console.log("STACK", String(e.stack));
    });
    console.log("CASE console-end");
  },
};
