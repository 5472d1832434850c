import { afterAll } from "vitest";
import { removeScratch } from "../helpers/scratch.js";

// Runs after each test file's own afterAll hooks: nothing a file registered outlives it.
afterAll(removeScratch);
