package ai.ofa.text;

import ai.ofa.testing.Fixtures;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class BpeTokenizerTest {
    @Test
    void referenceFixturePromptsTokenizeToTheReferenceIds() throws IOException {
        Path fixture = Fixtures.referenceFixture();
        JsonNode expected = new ObjectMapper().readTree(fixture.resolve("expected.json").toFile());
        JsonNode v = expected.get("vocab");
        TokenLayout layout = new TokenLayout(v.get("vocab_size").asInt(), v.get("code_first_id").asInt(),
                v.get("num_codes").asInt(), v.get("bin_first_id").asInt(), v.get("num_bins").asInt());
        BpeTokenizer tok = BpeTokenizer.load(fixture.resolve("hf/vocab.json"), fixture.resolve("hf/merges.txt"), layout);
        for (JsonNode t : expected.get("tokenization")) {
            int[] want = new int[t.get("ids").size()];
            for (int i = 0; i < want.length; i++) {
                want[i] = t.get("ids").get(i).asInt();
                assertEquals(t.get("tokens").get(i).asText(), tok.token(want[i]));
            }
            assertArrayEquals(want, tok.encode(t.get("text").asText()), t.get("text").asText());
            assertEquals(t.get("text").asText(), tok.decode(want));
        }
    }

    /** The fixture's tokenizer, with the id layout its expected.json states (nothing hard-coded). */
    static BpeTokenizer fixtureTokenizer() throws IOException {
        Path fixture = Fixtures.referenceFixture();
        JsonNode v = new ObjectMapper().readTree(fixture.resolve("expected.json").toFile()).get("vocab");
        TokenLayout layout = new TokenLayout(v.get("vocab_size").asInt(), v.get("code_first_id").asInt(),
                v.get("num_codes").asInt(), v.get("bin_first_id").asInt(), v.get("num_bins").asInt());
        return BpeTokenizer.load(fixture.resolve("hf/vocab.json"), fixture.resolve("hf/merges.txt"), layout);
    }

    @Test
    void binAndCodeTokensMapStraightToIdsWithoutSurroundingSpaces() throws IOException {
        BpeTokenizer tok = fixtureTokenizer();
        TokenLayout layout = tok.layout();
        int lastBin = layout.numBins() - 1;
        int[] ids = tok.encodePieces(" region: <bin_1> <bin_" + lastBin + "><code_5>");
        assertEquals(layout.binFirstId() + 1, ids[ids.length - 3]);
        assertEquals(layout.binFirstId() + lastBin, ids[ids.length - 2]);
        assertEquals(layout.codeFirstId() + 5, ids[ids.length - 1]);
        assertArrayEquals(tok.encodePieces(" region:"), java.util.Arrays.copyOf(ids, ids.length - 3));
        assertEquals(" region:<bin_1><bin_" + lastBin + "><code_5>", tok.decode(ids));
    }

    @Test
    void unicodeAndOddWhitespaceRoundTrip() throws IOException {
        BpeTokenizer tok = fixtureTokenizer();
        for (String s : new String[]{"héllo wörld", "日本語のテキスト", "emoji 😀👍🏽 ok", "tabs\tand\n\nnewlines  ",
                "  leading", "it's we'll they've I'd", "numbers 12345 and 3.14"}) {
            assertEquals(s, tok.decode(tok.encode(s)), s);
        }
    }

    @Test
    void normalisationFollowsOfa() {
        assertEquals("the man in black!", TextNormalizer.normalize(",.  The Man-in/Black!", 20));
        assertEquals("a b c", TextNormalizer.normalize("A  B   C d e", 3));
    }
}
