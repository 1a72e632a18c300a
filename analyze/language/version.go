package language

// Version names the rules of this package. Aftermath stores each text's
// findings under it (see analyze's per-text results), so a change to what
// CheckBlame or CheckActionItem finds must change Version, or stored texts
// keep the old findings; TestVersionFingerprint fails until it does and its
// fingerprint is pinned.
const Version = "2026-12-07.19"
