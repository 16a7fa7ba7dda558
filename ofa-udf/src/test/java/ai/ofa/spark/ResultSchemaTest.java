package ai.ofa.spark;

import ai.ofa.testing.Fixtures;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** schemas/ofa-result.avsc documents exactly the struct the stages write. */
class ResultSchemaTest {
    @Test
    void avroSchemaNamesTheSameFieldsInTheSameOrder() throws Exception {
        JsonNode avsc = new ObjectMapper().readTree(Fixtures.projectRoot().resolve("schemas/ofa-result.avsc").toFile());
        List<String> names = new ArrayList<>();
        avsc.get("fields").forEach(f -> names.add(f.get("name").asText()));
        assertEquals(Arrays.asList(ResultSchema.RESULT.fieldNames()), names);
    }
}
