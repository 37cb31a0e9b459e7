#include "model/validation.h"

#include <gtest/gtest.h>

namespace ofs::model {
namespace {

Entity UserEntity() {
  return Entity{"user",
                {{0, "user_id", DataType::kBigint, "", {}}, {0, "day", DataType::kText, "", {}}},
                {"user_id"},
                0};
}

TEST(Identifiers, Rules) {
  EXPECT_TRUE(IsValidIdentifier("user_1"));
  EXPECT_TRUE(IsValidIdentifier("_x"));
  EXPECT_FALSE(IsValidIdentifier("1user"));
  EXPECT_FALSE(IsValidIdentifier(""));
  EXPECT_FALSE(IsValidIdentifier("a-b"));
  EXPECT_FALSE(IsValidIdentifier(std::string(65, 'a')));
  EXPECT_TRUE(IsValidIdentifier(std::string(64, 'a')));
}

TEST(Owner, LooksLikeEmail) {
  EXPECT_TRUE(IsValidOwner("ml-team@example.com"));
  EXPECT_FALSE(IsValidOwner("ml-team"));
  EXPECT_FALSE(IsValidOwner("a@b"));
  EXPECT_FALSE(IsValidOwner("a b@c.com"));
  EXPECT_FALSE(IsValidOwner("@c.com"));
}

TEST(Entity, Valid) { EXPECT_TRUE(ValidateEntity(UserEntity()).ok()); }

TEST(Entity, KeyNotAmongFeatures) {
  Entity e = UserEntity();
  e.primary_keys = {"nope"};
  EXPECT_EQ(ValidateEntity(e).code(), ErrorCode::kEntitySchemaValidation);
}

TEST(Entity, DuplicateColumnsCaseInsensitive) {
  Entity e = UserEntity();
  e.features.push_back({0, "DAY", DataType::kInt, "", {}});
  EXPECT_EQ(ValidateEntity(e).code(), ErrorCode::kEntitySchemaValidation);
}

TEST(Entity, EmptyKeysAndNegativeTtl) {
  Entity e = UserEntity();
  e.primary_keys.clear();
  EXPECT_FALSE(ValidateEntity(e).ok());
  e = UserEntity();
  e.ttl_seconds = -1;
  EXPECT_FALSE(ValidateEntity(e).ok());
}

TEST(FeatureGroup, ColumnRules) {
  FeatureGroup g{"clicks", "user", {{0, "ctr", DataType::kDouble, "", {}}}, true, FeatureGroupType::kOnline};
  EXPECT_TRUE(ValidateFeatureGroup(g, UserEntity()).ok());
  g.features.push_back({0, "a__b", DataType::kInt, "", {}});
  EXPECT_EQ(ValidateFeatureGroup(g, UserEntity()).code(), ErrorCode::kFeatureGroupInvalidColumnNames);
  g.features.back().name = "User_Id";
  EXPECT_EQ(ValidateFeatureGroup(g, UserEntity()).code(), ErrorCode::kFeatureGroupInvalidColumnNames);
  g.features.back().name = "CTR";
  EXPECT_EQ(ValidateFeatureGroup(g, UserEntity()).code(), ErrorCode::kFeatureGroupInvalidColumnNames);
}

TEST(Versions, ParseAndPrint) {
  EXPECT_EQ(VersionName(3), "v3");
  EXPECT_EQ(ParseVersion("v12"), 12);
  EXPECT_EQ(ParseVersion("V2"), 2);
  EXPECT_FALSE(ParseVersion("v0"));
  EXPECT_FALSE(ParseVersion("v-1"));
  EXPECT_FALSE(ParseVersion("x1"));
  EXPECT_FALSE(ParseVersion("v"));
  EXPECT_EQ(PhysicalColumnName("g", "v2", true, "c"), "g__v2__c");
  EXPECT_EQ(PhysicalColumnName("g", "v2", false, "c"), "g__c");
}

}  // namespace
}  // namespace ofs::model
