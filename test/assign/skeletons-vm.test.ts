// Student trees of the memory assignments: each compiles, fails its own checks with the
// stub's message, and passes every other assignment's checks (test/assign/skeletons.ts).
import { skeletonSuite } from "./skeletons";

skeletonSuite(["pagetable", "tcow", "mapfile"]);
