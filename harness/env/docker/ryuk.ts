// Imported before testcontainers: Ryuk's image cannot be pulled where no registry is reachable, and
// the docker provider removes what it starts by label itself (labels.ts). A user may opt back in
// with TESTCONTAINERS_RYUK_DISABLED=false.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= "true";
