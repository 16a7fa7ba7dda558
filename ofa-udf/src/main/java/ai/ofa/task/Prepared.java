package ai.ofa.task;

import ai.ofa.image.RgbImage;

/** One batch item after decoding and tokenising: its position in the caller's list, image, prompt ids. */
record Prepared(int index, RgbImage image, int[] prompt) {
}
