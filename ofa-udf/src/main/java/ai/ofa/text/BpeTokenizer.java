package ai.ofa.text;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GPT-2 byte-level BPE as OFA uses it: GPT-2's pre-tokenisation regex, the byte-to-unicode map, merges applied by
 * rank; no prefix space, no lowercasing; {@code <bin_i>} and {@code <code_i>} map straight to their ids (spaces
 * around them dropped). Thread-safe; pre-token results are cached.
 *
 * <pre>{@code
 * BpeTokenizer tok = BpeTokenizer.load(vocabJson, mergesTxt, TokenLayout.of(pkg));
 * int[] ids = tok.encode(" what does the image describe?");    // bos + pieces + eos
 * String text = tok.decode(ids);                                // " what does the image describe?"
 * }</pre>
 */
public final class BpeTokenizer {
    /** GPT-2's pattern; \s and friends are Unicode-aware as in the reference implementations. */
    private static final Pattern PRETOKEN = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern SPECIAL = Pattern.compile("\\s*<(bin|code)_(\\d+)>\\s*");
    private static final int CACHE_LIMIT = 100_000;

    private final Map<String, Integer> vocab;
    private final String[] idToToken;
    private final Map<String, Integer> mergeRanks;
    private final TokenLayout layout;
    private final char[] byteToChar = ByteLevel.byteToChar();
    private final Map<Character, Integer> charToByte = ByteLevel.charToByte();
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    BpeTokenizer(Map<String, Integer> vocab, List<String[]> merges, TokenLayout layout) {
        this.vocab = Map.copyOf(vocab);
        this.idToToken = new String[vocab.size()];
        vocab.forEach((token, id) -> {
            if (id < 0 || id >= idToToken.length || idToToken[id] != null) {
                throw new IllegalArgumentException("vocab.json: ids must be 0.." + (idToToken.length - 1)
                        + " without repeats, found id " + id + " for '" + token + "'");
            }
            idToToken[id] = token;
        });
        Map<String, Integer> ranks = new HashMap<>();
        for (int i = 0; i < merges.size(); i++) {
            ranks.putIfAbsent(merges.get(i)[0] + " " + merges.get(i)[1], i);
        }
        this.mergeRanks = ranks;
        this.layout = layout;
    }

    /** Reads {@code vocab.json} and {@code merges.txt} (first line {@code #version...} skipped, as GPT-2 does). */
    public static BpeTokenizer load(Path vocabJson, Path mergesTxt, TokenLayout layout) {
        Map<String, Integer> vocab;
        try {
            vocab = new ObjectMapper().readValue(vocabJson.toFile(), new TypeReference<Map<String, Integer>>() { });
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot read vocabulary " + vocabJson + ": " + e.getMessage(), e);
        }
        List<String[]> merges = new ArrayList<>();
        try {
            List<String> lines = Files.readAllLines(mergesTxt, StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                if ((i == 0 && line.startsWith("#version")) || line.isEmpty()) {
                    continue;
                }
                String[] pair = line.split(" ");
                if (pair.length != 2) {
                    throw new IllegalArgumentException("Merges file " + mergesTxt + " line " + (i + 1)
                            + " is not two symbols separated by a space: '" + line + "'");
                }
                merges.add(pair);
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot read merges " + mergesTxt + ": " + e.getMessage(), e);
        }
        return new BpeTokenizer(vocab, merges, layout == null ? TokenLayout.textOnly(vocab.size()) : layout);
    }

    public TokenLayout layout() {
        return layout;
    }

    /** Whether the vocabulary has OFA's (fairseq's) {@code <s>} and {@code </s>}: GPT-2's own has neither. */
    public boolean framed() {
        return vocab.containsKey("<s>") && vocab.containsKey("</s>");
    }

    public int bos() {
        return special("<s>");
    }

    public int eos() {
        return special("</s>");
    }

    public int pad() {
        return special("<pad>");
    }

    /** Id of {@code <unk>}, or -1 for a vocabulary without one (GPT-2's own covers every byte). */
    public int unk() {
        return vocab.getOrDefault("<unk>", -1);
    }

    private int special(String token) {
        Integer id = vocab.get(token);
        if (id == null) {
            throw new IllegalStateException("The vocabulary has no " + token + " token (a plain GPT-2 vocabulary?); "
                    + "use encodePieces() for unframed ids");
        }
        return id;
    }

    /** bos + pieces + eos. */
    public int[] encode(String text) {
        int[] body = encodePieces(text);
        int[] out = new int[body.length + 2];
        out[0] = bos();
        System.arraycopy(body, 0, out, 1, body.length);
        out[out.length - 1] = eos();
        return out;
    }

    /** Pieces only, no framing; {@code <bin_i>}/{@code <code_i>} become their ids. */
    public int[] encodePieces(String text) {
        List<Integer> ids = new ArrayList<>();
        Matcher m = SPECIAL.matcher(text);
        int pos = 0;
        while (m.find()) {
            int index = Integer.parseInt(m.group(2));
            boolean bin = m.group(1).equals("bin");
            if (index >= (bin ? layout.numBins() : layout.numCodes())) {
                // out-of-range special: leave it to BPE as plain text, like any other string
                continue;
            }
            appendText(text.substring(pos, m.start()), ids);
            ids.add(bin ? layout.binFirstId() + index : layout.codeFirstId() + index);
            pos = m.end();
        }
        appendText(text.substring(pos), ids);
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    private void appendText(String text, List<Integer> out) {
        if (text.isEmpty()) {
            return;
        }
        Matcher m = PRETOKEN.matcher(text);
        while (m.find()) {
            for (int id : bpeIds(m.group())) {
                out.add(id);
            }
        }
    }

    private int[] bpeIds(String preToken) {
        int[] cached = cache.get(preToken);
        if (cached != null) {
            return cached;
        }
        byte[] bytes = preToken.getBytes(StandardCharsets.UTF_8);
        List<String> word = new ArrayList<>(bytes.length);
        for (byte b : bytes) {
            word.add(String.valueOf(byteToChar[b & 0xff]));
        }
        while (word.size() > 1) {
            int bestRank = Integer.MAX_VALUE;
            int bestAt = -1;
            for (int i = 0; i + 1 < word.size(); i++) {
                Integer r = mergeRanks.get(word.get(i) + " " + word.get(i + 1));
                if (r != null && r < bestRank) {
                    bestRank = r;
                    bestAt = i;
                }
            }
            if (bestAt < 0) {
                break;
            }
            String a = word.get(bestAt);
            String b = word.get(bestAt + 1);
            List<String> merged = new ArrayList<>(word.size());
            for (int i = 0; i < word.size(); i++) {
                if (i + 1 < word.size() && word.get(i).equals(a) && word.get(i + 1).equals(b)) {
                    merged.add(a + b);
                    i++;
                } else {
                    merged.add(word.get(i));
                }
            }
            word = merged;
        }
        int[] ids = new int[word.size()];
        for (int i = 0; i < ids.length; i++) {
            Integer id = vocab.get(word.get(i));
            if (id == null) {
                if (unk() < 0) {
                    throw new IllegalArgumentException("BPE symbol '" + word.get(i) + "' is not in the vocabulary");
                }
                id = unk();
            }
            ids[i] = id;
        }
        if (cache.size() < CACHE_LIMIT) {
            cache.put(preToken, ids);
        }
        return ids;
    }

    /** Text of the given ids: bos/eos/pad dropped, bins and codes written as {@code <bin_i>}/{@code <code_i>}. */
    public String decode(int[] ids) {
        List<Byte> pending = new ArrayList<>();
        StringBuilder out = new StringBuilder();
        for (int id : ids) {
            if (id == vocab.getOrDefault("<s>", -1) || id == vocab.getOrDefault("</s>", -1)
                    || id == vocab.getOrDefault("<pad>", -1)) {
                continue;
            }
            String special = layout.specialName(id);
            if (special != null) {
                flush(pending, out);
                out.append(special);
                continue;
            }
            if (id < 0 || id >= idToToken.length) {
                throw new IllegalArgumentException("Token id " + id + " is outside the vocabulary [0, "
                        + layout.vocabSize() + ")");
            }
            String token = idToToken[id];
            for (int i = 0; i < token.length(); i++) {
                Integer b = charToByte.get(token.charAt(i));
                if (b == null) {   // a non-byte-level entry such as <mask> or <unk>: keep it verbatim
                    flush(pending, out);
                    out.append(token);
                    break;
                }
                pending.add((byte) (int) b);
            }
        }
        flush(pending, out);
        return out.toString();
    }

    private static void flush(List<Byte> pending, StringBuilder out) {
        if (pending.isEmpty()) {
            return;
        }
        byte[] bytes = new byte[pending.size()];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = pending.get(i);
        }
        out.append(new String(bytes, StandardCharsets.UTF_8));
        pending.clear();
    }

    /** The vocabulary's symbol for one id (for --json output and debugging). */
    public String token(int id) {
        String special = layout.specialName(id);
        if (special != null) {
            return special;
        }
        return id >= 0 && id < idToToken.length ? idToToken[id] : null;
    }

    @Override
    public String toString() {
        return "BpeTokenizer[" + idToToken.length + " entries, " + mergeRanks.size() + " merges, "
                + Arrays.toString(new int[]{layout.codeFirstId(), layout.binFirstId()}) + "]";
    }
}
