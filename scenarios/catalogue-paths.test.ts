// The failure catalogue with the reference worker, part: faults that hit one path and not the other: a locked lease row, locked effect tables, a terminated session, a same-identity successor.
// (The catalogue is split over files so that Vitest"s --shard balances them.)
import { referenceSuite } from "./support/suite.ts";

referenceSuite(["lease-row-locked", "work-rows-locked", "backend-terminated", "same-identity-successor"]);
