package ai.ofa.generate;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Prefix trie over candidate token sequences (answers, labels): at each step only the children of the node the
 * hypothesis has reached are allowed. Sequences are inserted without bos and end with eos.
 *
 * <pre>{@code
 * PrefixTrie trie = new PrefixTrie();
 * trie.insert(new int[]{523, 2});          // " yes" + eos
 * Constraint c = trie.constraint();
 * }</pre>
 */
public final class PrefixTrie {
    private static final class Node {
        final Map<Integer, Node> children = new HashMap<>();
    }

    private final Node root = new Node();
    private int size;

    public void insert(int[] tokens) {
        Node n = root;
        for (int t : tokens) {
            n = n.children.computeIfAbsent(t, k -> new Node());
        }
        size++;
    }

    public int size() {
        return size;
    }

    /** Allowed next tokens after a prefix (empty when the prefix left the trie). */
    public List<Integer> next(int[] prefix) {
        Node n = root;
        for (int t : prefix) {
            n = n.children.get(t);
            if (n == null) {
                return List.of();
            }
        }
        return new ArrayList<>(n.children.keySet());
    }

    /** Only the children of the node each hypothesis has reached. */
    public Constraint constraint() {
        return Constraint.listing((sentence, prefix) -> next(prefix).stream().mapToInt(Integer::intValue).sorted()
                .toArray());
    }
}
