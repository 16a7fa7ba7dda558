package ai.ofa.model;

/** Ids of OFA's special tokens. */
public record SpecialIds(int bos, int pad, int eos, int unk, int mask) {
}
