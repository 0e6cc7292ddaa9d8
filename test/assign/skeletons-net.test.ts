// Student trees of the receive-path assignments and the report: each compiles, fails its own
// checks with the stub's message, and passes every other assignment's checks
// (test/assign/skeletons.ts).
import { skeletonSuite } from "./skeletons";

skeletonSuite(["align", "patch", "report"]);
