export { withSpan } from "./with-span";
export { startActiveSpan } from "./start-active-span";
