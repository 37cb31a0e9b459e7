#include "admin/model_json.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>

namespace ofs::admin {
namespace {

// A request body followed by the zeroed padding the decoders read past its end (as http::Request has).
class Body {
 public:
  explicit Body(std::string_view json) : size_(json.size()), text_(json) {
    text_.append(simdjson::SIMDJSON_PADDING, '\0');
  }
  std::string_view view() const { return std::string_view(text_.data(), size_); }

 private:
  size_t size_;
  std::string text_;
};

Result<model::EntityMetadata> ParseEntity(std::string_view json) {
  return ParseEntityCreate(Body(json).view());
}
Result<FeatureGroupCreate> ParseGroup(std::string_view json) {
  return ParseFeatureGroupCreate(Body(json).view());
}
Result<RunCreate> ParseRun(std::string_view json) { return ParseRunCreate(Body(json).view()); }

template <typename T, typename Write>
std::string ToJson(const T& value, Write write) {
  std::string out;
  codec::JsonWriter writer(&out);
  write(value, writer);
  return out;
}

constexpr std::string_view kEntityBody = R"({
  "entity": {"tableName": "user", "features": [
      {"name": "id", "type": "BIGINT"},
      {"name": "region", "type": "text", "description": "home region", "tags": ["geo", "pii"]}],
    "primaryKeys": ["id"], "ttl": 3600},
  "owner": "ml.team@example.com", "tags": ["core"], "description": "people"})";

constexpr std::string_view kGroupBody = R"({
  "featureGroup": {"featureGroupName": "user_stats", "entityName": "user",
    "features": [{"name": "score", "type": "DOUBLE", "description": "model score", "tags": ["ml"]},
                 {"name": "label", "type": "Text"}]},
  "owner": "ml.team@example.com"})";

// ------------------------------------------------------------------------------------------------
// entity create bodies
// ------------------------------------------------------------------------------------------------

TEST(EntityCreate, DecodesEveryField) {
  auto meta = ParseEntity(kEntityBody);
  ASSERT_TRUE(meta.ok()) << meta.status().ToString();
  EXPECT_EQ(meta->name, "user");
  EXPECT_EQ(meta->entity.table_name, "user");
  ASSERT_EQ(meta->entity.features.size(), 2u);
  EXPECT_EQ(meta->entity.features[0].type, model::DataType::kBigint);
  EXPECT_EQ(meta->entity.features[1].type, model::DataType::kText);  // type names are case-insensitive
  EXPECT_EQ(meta->entity.features[1].description, "home region");
  EXPECT_EQ(meta->entity.features[1].tags, (std::vector<std::string>{"geo", "pii"}));
  EXPECT_EQ(meta->entity.primary_keys, (std::vector<std::string>{"id"}));
  EXPECT_EQ(meta->entity.ttl_seconds, 3600);
  EXPECT_EQ(meta->owner, "ml.team@example.com");
  EXPECT_EQ(meta->tags, (std::vector<std::string>{"core"}));
  EXPECT_EQ(meta->description, "people");
}

TEST(EntityCreate, WritesEntityWithColumnDefaults) {
  auto meta = ParseEntity(kEntityBody);
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ(ToJson(meta->entity, WriteEntity),
            R"({"tableName":"user","features":[{"name":"id","type":"BIGINT","description":"","tags":[]},)"
            R"({"name":"region","type":"TEXT","description":"home region","tags":["geo","pii"]}],)"
            R"("primaryKeys":["id"],"ttl":3600})");
}

TEST(EntityCreate, RoundTripsThroughItsJson) {
  auto first = ParseEntity(kEntityBody);
  ASSERT_TRUE(first.ok());
  std::string entity_json = ToJson(first->entity, WriteEntity);
  auto second = ParseEntity(R"({"entity": )" + entity_json + R"(, "owner": "ml.team@example.com"})");
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(ToJson(second->entity, WriteEntity), entity_json);
}

TEST(EntityCreate, KeysMatchCaseInsensitivelyAndUnknownKeysAreIgnored) {
  auto meta =
      ParseEntity(R"({"ENTITY": {"TableName": "u", "FEATURES": [{"NAME": "id", "Type": "INT", "x": [1]}],
      "primarykeys": ["id"], "TTL": 5, "somethingElse": {"a": true}},
      "Owner": "a@example.com", "Tags": ["t"], "Description": "d", "unknown": null})");
  ASSERT_TRUE(meta.ok()) << meta.status().ToString();
  EXPECT_EQ(meta->entity.table_name, "u");
  EXPECT_EQ(meta->entity.features[0].name, "id");
  EXPECT_EQ(meta->entity.features[0].type, model::DataType::kInt);
  EXPECT_EQ(meta->entity.ttl_seconds, 5);
  EXPECT_EQ(meta->tags, (std::vector<std::string>{"t"}));
  EXPECT_EQ(meta->description, "d");
}

TEST(EntityCreate, Defaults) {
  auto meta = ParseEntity(R"({"entity": {"tableName": "u", "features": [{"name": "id", "type": "INT"}],
      "primaryKeys": ["id"]}, "owner": "a@example.com"})");
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ(meta->entity.ttl_seconds, 0);
  EXPECT_TRUE(meta->tags.empty());
  EXPECT_EQ(meta->description, "");
  EXPECT_EQ(meta->entity.features[0].description, "");
  EXPECT_TRUE(meta->entity.features[0].tags.empty());
}

TEST(EntityCreate, NullMeansAbsent) {
  auto meta = ParseEntity(R"({"entity": {"tableName": "u", "features": [{"name": "id", "type": "INT",
      "description": null, "tags": null}], "primaryKeys": ["id"], "ttl": null},
      "owner": "a@example.com", "tags": null, "description": null})");
  ASSERT_TRUE(meta.ok()) << meta.status().ToString();
  EXPECT_EQ(meta->entity.ttl_seconds, 0);
  EXPECT_TRUE(meta->tags.empty());
  auto missing = ParseEntity(R"({"entity": null, "owner": "a@example.com"})");
  EXPECT_EQ(missing.status().code(), ErrorCode::kEntityRegistrationRequest);
}

TEST(EntityCreate, TtlAsIntegerString) {
  auto meta = ParseEntity(R"({"entity": {"tableName": "u", "features": [{"name": "id", "type": "INT"}],
      "primaryKeys": ["id"], "ttl": "42"}, "owner": "a@example.com"})");
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ(meta->entity.ttl_seconds, 42);
}

struct ErrorCase {
  const char* name;
  const char* body;
  ErrorCode code;
};

class EntityCreateErrors : public testing::TestWithParam<ErrorCase> {};

TEST_P(EntityCreateErrors, AnswerTheContractCode) {
  auto meta = ParseEntity(GetParam().body);
  ASSERT_FALSE(meta.ok());
  EXPECT_EQ(meta.status().code(), GetParam().code) << meta.status().ToString();
  EXPECT_FALSE(meta.status().message().empty());
}

constexpr ErrorCode kEntityRequest = ErrorCode::kEntityRegistrationRequest;

INSTANTIATE_TEST_SUITE_P(
    Bodies, EntityCreateErrors,
    testing::Values(
        ErrorCase{"empty_body", "", kEntityRequest}, ErrorCase{"empty_object", "{}", kEntityRequest},
        ErrorCase{"root_array", "[]", kEntityRequest},
        ErrorCase{"malformed", R"({"entity": {"tableName": )", ErrorCode::kInvalidRequest},
        ErrorCase{"entity_string", R"({"entity": "user", "owner": "a@example.com"})", kEntityRequest},
        ErrorCase{"missing_table_name",
                  R"({"entity": {"features": [{"name": "id", "type": "INT"}], "primaryKeys": ["id"]},
                      "owner": "a@example.com"})",
                  kEntityRequest},
        ErrorCase{"missing_features",
                  R"({"entity": {"tableName": "u", "primaryKeys": ["id"]}, "owner": "a@example.com"})",
                  kEntityRequest},
        ErrorCase{"missing_primary_keys",
                  R"({"entity": {"tableName": "u", "features": [{"name": "id", "type": "INT"}]},
                      "owner": "a@example.com"})",
                  kEntityRequest},
        ErrorCase{"ttl_text",
                  R"({"entity": {"tableName": "u", "features": [{"name": "id", "type": "INT"}],
                      "primaryKeys": ["id"], "ttl": "one hour"}, "owner": "a@example.com"})",
                  kEntityRequest},
        ErrorCase{"column_without_type",
                  R"({"entity": {"tableName": "u", "features": [{"name": "id"}], "primaryKeys": ["id"]},
                      "owner": "a@example.com"})",
                  kEntityRequest},
        ErrorCase{"column_not_object",
                  R"({"entity": {"tableName": "u", "features": ["id"], "primaryKeys": ["id"]},
                      "owner": "a@example.com"})",
                  kEntityRequest},
        ErrorCase{"tag_not_string",
                  R"({"entity": {"tableName": "u", "features": [{"name": "id", "type": "INT"}],
                      "primaryKeys": ["id"]}, "owner": "a@example.com", "tags": ["a", 1]})",
                  kEntityRequest},
        ErrorCase{"unknown_type",
                  R"({"entity": {"tableName": "u", "features": [{"name": "id", "type": "STRINGY"}],
                      "primaryKeys": ["id"]}, "owner": "a@example.com"})",
                  ErrorCode::kEntitySchemaValidation},
        ErrorCase{"owner_missing",
                  R"({"entity": {"tableName": "u", "features": [{"name": "id", "type": "INT"}],
                      "primaryKeys": ["id"]}})",
                  kEntityRequest},
        ErrorCase{"owner_not_email",
                  R"({"entity": {"tableName": "u", "features": [{"name": "id", "type": "INT"}],
                      "primaryKeys": ["id"]}, "owner": "not-an-email"})",
                  kEntityRequest}),
    [](const testing::TestParamInfo<ErrorCase>& info) { return std::string(info.param.name); });

TEST(EntityCreate, UnknownTypeIsNamed) {
  auto meta =
      ParseEntity(R"({"entity": {"tableName": "u", "features": [{"name": "v", "type": "MAP<TEXT,TEXT>"}],
      "primaryKeys": ["v"]}, "owner": "a@example.com"})");
  ASSERT_FALSE(meta.ok());
  EXPECT_NE(meta.status().message().find("MAP<TEXT,TEXT>"), std::string_view::npos)
      << meta.status().ToString();
}

// ------------------------------------------------------------------------------------------------
// feature group create bodies
// ------------------------------------------------------------------------------------------------

TEST(FeatureGroupCreate, DecodesWithDefaults) {
  auto create = ParseGroup(kGroupBody);
  ASSERT_TRUE(create.ok()) << create.status().ToString();
  const model::FeatureGroupMetadata& meta = create->meta;
  EXPECT_EQ(meta.name, "user_stats");
  EXPECT_EQ(meta.feature_group.entity_name, "user");
  EXPECT_TRUE(meta.feature_group.version_enabled);
  EXPECT_EQ(meta.feature_group.feature_group_type, model::FeatureGroupType::kOnline);
  ASSERT_EQ(meta.feature_group.features.size(), 2u);
  EXPECT_EQ(meta.feature_group.features[1].type, model::DataType::kText);
  EXPECT_TRUE(meta.tags.empty());
  EXPECT_EQ(meta.description, "");
  EXPECT_EQ(meta.tenant, model::TenantConfig{});
  EXPECT_FALSE(create->tenant.read || create->tenant.write || create->tenant.consume);
}

TEST(FeatureGroupCreate, OptionalFieldsAndCaseInsensitiveKeys) {
  auto create = ParseGroup(R"({"FEATUREGROUP": {"featuregroupname": "g", "EntityName": "e",
      "Features": [{"name": "x", "type": "int"}], "VersionEnabled": "FALSE", "featureGroupType": "offline"},
      "owner": "o@example.com", "tags": ["a"], "description": "d", "Tenant": {"Read": "r1", "consume": null}})");
  ASSERT_TRUE(create.ok()) << create.status().ToString();
  const model::FeatureGroupMetadata& meta = create->meta;
  EXPECT_FALSE(meta.feature_group.version_enabled);
  EXPECT_EQ(meta.feature_group.feature_group_type, model::FeatureGroupType::kOffline);
  EXPECT_EQ(meta.tags, (std::vector<std::string>{"a"}));
  EXPECT_EQ(create->tenant.read, "r1");
  EXPECT_FALSE(create->tenant.write);
  EXPECT_FALSE(create->tenant.consume);
}

TEST(FeatureGroupCreate, RoundTripsThroughItsJson) {
  auto first = ParseGroup(kGroupBody);
  ASSERT_TRUE(first.ok());
  std::string group_json = ToJson(first->meta.feature_group, WriteFeatureGroup);
  EXPECT_EQ(group_json, R"({"featureGroupName":"user_stats","entityName":"user","features":[)"
                        R"({"name":"score","type":"DOUBLE","description":"model score","tags":["ml"]},)"
                        R"({"name":"label","type":"TEXT","description":"","tags":[]}],)"
                        R"("versionEnabled":true,"featureGroupType":"ONLINE"})");
  auto second = ParseGroup(R"({"featureGroup": )" + group_json + R"(, "owner": "ml.team@example.com"})");
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(ToJson(second->meta.feature_group, WriteFeatureGroup), group_json);
}

class FeatureGroupCreateErrors : public testing::TestWithParam<ErrorCase> {};

TEST_P(FeatureGroupCreateErrors, AnswerTheContractCode) {
  auto create = ParseGroup(GetParam().body);
  ASSERT_FALSE(create.ok());
  EXPECT_EQ(create.status().code(), GetParam().code) << create.status().ToString();
}

constexpr ErrorCode kGroupRequest = ErrorCode::kFeatureGroupRegistrationRequest;

INSTANTIATE_TEST_SUITE_P(
    Bodies, FeatureGroupCreateErrors,
    testing::Values(
        ErrorCase{"missing_group", R"({"owner": "o@example.com"})", kGroupRequest},
        ErrorCase{"malformed", R"({"featureGroup": {"featureGroupName": )", ErrorCode::kInvalidRequest},
        ErrorCase{"missing_name",
                  R"({"featureGroup": {"entityName": "e", "features": [{"name": "x", "type": "INT"}]},
                      "owner": "o@example.com"})",
                  kGroupRequest},
        ErrorCase{"missing_entity_name",
                  R"({"featureGroup": {"featureGroupName": "g", "features": [{"name": "x", "type": "INT"}]},
                      "owner": "o@example.com"})",
                  kGroupRequest},
        ErrorCase{"missing_features", R"({"featureGroup": {"featureGroupName": "g", "entityName": "e"},
                      "owner": "o@example.com"})",
                  kGroupRequest},
        ErrorCase{"unknown_column_type",
                  R"({"featureGroup": {"featureGroupName": "g", "entityName": "e",
                      "features": [{"name": "x", "type": "HASH"}]}, "owner": "o@example.com"})",
                  kGroupRequest},
        ErrorCase{"bad_group_type",
                  R"({"featureGroup": {"featureGroupName": "g", "entityName": "e",
                      "features": [{"name": "x", "type": "INT"}], "featureGroupType": "HYBRID"},
                      "owner": "o@example.com"})",
                  kGroupRequest},
        ErrorCase{"version_enabled_number",
                  R"({"featureGroup": {"featureGroupName": "g", "entityName": "e",
                      "features": [{"name": "x", "type": "INT"}], "versionEnabled": 1}, "owner": "o@example.com"})",
                  kGroupRequest},
        ErrorCase{"bad_tenant_name",
                  R"({"featureGroup": {"featureGroupName": "g", "entityName": "e",
                      "features": [{"name": "x", "type": "INT"}]}, "owner": "o@example.com",
                      "tenant": {"read": "has space"}})",
                  kGroupRequest},
        ErrorCase{"owner_not_email",
                  R"({"featureGroup": {"featureGroupName": "g", "entityName": "e",
                      "features": [{"name": "x", "type": "INT"}]}, "owner": "x@y"})",
                  kGroupRequest}),
    [](const testing::TestParamInfo<ErrorCase>& info) { return std::string(info.param.name); });

// ------------------------------------------------------------------------------------------------
// writers
// ------------------------------------------------------------------------------------------------

model::FeatureGroupMetadata SampleGroup() {
  model::FeatureGroupMetadata meta;
  meta.name = "g";
  meta.version = "v2";
  meta.feature_group.feature_group_name = "g";
  meta.feature_group.entity_name = "e";
  meta.feature_group.features.push_back({7, "x", model::DataType::kVarint, "", {}});
  meta.owner = "o@example.com";
  meta.state = model::State::kArchived;
  meta.tags = {"t"};
  meta.tenant.write = "w\"1";
  meta.created_at = 10;
  meta.updated_at = 20;
  return meta;
}

TEST(Writers, FeatureGroupMetadata) {
  EXPECT_EQ(ToJson(SampleGroup(), WriteFeatureGroupMetadata),
            R"({"name":"g","version":"v2","versionEnabled":true,"featureGroupType":"ONLINE",)"
            R"("featureGroup":{"featureGroupName":"g","entityName":"e","features":[)"
            R"({"name":"x","type":"VARINT","description":"","tags":[]}],"versionEnabled":true,)"
            R"("featureGroupType":"ONLINE"},"owner":"o@example.com","state":"ARCHIVED","tags":["t"],)"
            R"("tenant":{"read":"default-tenant","write":"w\"1","consume":"default-tenant"},)"
            R"("description":"","createdAt":10,"updatedAt":20})");
}

TEST(Writers, EntityMetadata) {
  model::EntityMetadata meta;
  meta.id = 3;  // internal: never on the wire
  meta.name = "e";
  meta.entity.table_name = "e";
  meta.entity.features.push_back({1, "id", model::DataType::kUuid, "d", {"k"}});
  meta.entity.primary_keys = {"id"};
  meta.owner = "o@example.com";
  meta.created_at = 1;
  meta.updated_at = 2;
  EXPECT_EQ(
      ToJson(meta, WriteEntityMetadata),
      R"({"name":"e","entity":{"tableName":"e","features":[{"name":"id","type":"UUID","description":"d",)"
      R"("tags":["k"]}],"primaryKeys":["id"],"ttl":0},"state":"LIVE","owner":"o@example.com","tags":[],)"
      R"("description":"","createdAt":1,"updatedAt":2})");
}

TEST(Writers, VersionHead) {
  EXPECT_EQ(ToJson(model::FeatureGroupVersion{"g", "v3", 99}, WriteFeatureGroupVersion),
            R"({"name":"g","latestVersion":"v3","updatedAt":99})");
}

TEST(Writers, RunRecordReEmitsSampleDataAndOmitsItWhenAbsent) {
  model::RunRecord run{"g", "v1", "r1", 1500, 10, R"([{"id":1}])", "", "SUCCESS", 123};
  EXPECT_EQ(ToJson(run, WriteRunRecord),
            R"({"featureGroupName":"g","featureGroupVersion":"v1","runId":"r1","timeTaken":1500,"count":10,)"
            R"("sampleData":[{"id":1}],"errorMessage":"","status":"SUCCESS","createdAt":123})");
  run.sample_data.clear();
  EXPECT_EQ(ToJson(run, WriteRunRecord).find("sampleData"), std::string::npos);
}

// ------------------------------------------------------------------------------------------------
// tenants and runs
// ------------------------------------------------------------------------------------------------

TEST(Tenants, PatchKeepsUnsetFields) {
  model::TenantConfig tenant{"r", "w", "c"};
  TenantPatch patch;
  patch.write = "w2";
  patch.ApplyTo(&tenant);
  EXPECT_EQ(tenant, (model::TenantConfig{"r", "w2", "c"}));
}

TEST(Tenants, Names) {
  EXPECT_TRUE(IsValidTenantName("default-tenant"));
  EXPECT_TRUE(IsValidTenantName("eu_west.1"));
  EXPECT_FALSE(IsValidTenantName(""));
  EXPECT_FALSE(IsValidTenantName("a b"));
  EXPECT_FALSE(IsValidTenantName("a/b"));
  EXPECT_FALSE(IsValidTenantName(std::string(65, 'a')));
}

TEST(RunCreate, DecodesAndKeepsSampleDataAsRawJson) {
  auto create = ParseRun(R"({"Name": "g", "version": "V02", "runId": "r1", "timeTaken": 1500, "count": "10",
      "sampleData": [{"id": 1, "big": 123456789012345678901234567890, "s": "a\"b"}],
      "errorMessage": null, "status": "SUCCESS", "extra": 1})");
  ASSERT_TRUE(create.ok()) << create.status().ToString();
  EXPECT_EQ(create->name, "g");
  EXPECT_EQ(create->version, "v2");
  EXPECT_EQ(create->run.run_id, "r1");
  EXPECT_EQ(create->run.time_taken, 1500);
  EXPECT_EQ(create->run.count, 10);
  EXPECT_EQ(create->run.sample_data, R"([{"id": 1, "big": 123456789012345678901234567890, "s": "a\"b"}])");
  EXPECT_EQ(create->run.error_message, "");
  EXPECT_EQ(create->run.status, "SUCCESS");
}

TEST(RunCreate, ScalarAndNullSampleData) {
  auto text = ParseRun(R"({"runId": "r", "sampleData": "row 1" })");
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(text->run.sample_data, R"("row 1")");
  auto number = ParseRun(R"({"runId": "r", "sampleData": -1.5e+3})");
  ASSERT_TRUE(number.ok()) << number.status().ToString();
  EXPECT_EQ(number->run.sample_data, "-1.5e+3");
  auto none = ParseRun(R"({"runId": "r", "sampleData": null})");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->run.sample_data, "");
  EXPECT_FALSE(none->version.has_value());
}

TEST(RunCreate, Errors) {
  EXPECT_EQ(ParseRun(R"({"timeTaken": 1})").status().code(), ErrorCode::kInvalidRequest);  // no runId
  EXPECT_EQ(ParseRun(R"({"runId": "r", "version": "latest"})").status().code(), ErrorCode::kInvalidRequest);
  EXPECT_EQ(ParseRun(R"({"runId": "r", "count": -1})").status().code(), ErrorCode::kInvalidRequest);
  EXPECT_EQ(ParseRun(R"({"runId": "r", "count": 1.5})").status().code(), ErrorCode::kInvalidRequest);
  // sampleData is re-emitted verbatim later, so it must be well-formed through and through
  EXPECT_EQ(ParseRun(R"({"runId": "r", "sampleData": {"a": tru}})").status().code(),
            ErrorCode::kInvalidRequest);
  EXPECT_EQ(ParseRun(R"({"runId": "r", "sampleData": [1, 2.]})").status().code(), ErrorCode::kInvalidRequest);
  EXPECT_EQ(ParseRun(R"({"runId": "r", "sampleData": -})").status().code(), ErrorCode::kInvalidRequest);
  EXPECT_EQ(ParseRun(R"({"runId": "r", "sampleData": [007]})").status().code(), ErrorCode::kInvalidRequest);
  EXPECT_EQ(ParseRun(R"({"runId": "r", "sampleData": [1e]})").status().code(), ErrorCode::kInvalidRequest);
}

TEST(RunCreate, DeeplyNestedSampleDataRefused) {
  std::string nested = std::string(100, '[') + std::string(100, ']');
  EXPECT_EQ(ParseRun(R"({"runId": "r", "sampleData": )" + nested + "}").status().code(),
            ErrorCode::kInvalidRequest);
}

}  // namespace
}  // namespace ofs::admin
