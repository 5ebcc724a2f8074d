// BTF type model (include/uapi/linux/btf.h, Documentation/bpf/btf.rst). Placeholder shape; the BTF
// parser fills it in.

export interface Btf {
  /** types[0] is void; types[id] for id ≥ 1. */
  types: unknown[];
}
