#include "s3/s3_xml.h"

#include <gtest/gtest.h>

namespace ofs::s3 {
namespace {

constexpr std::string_view kPage = R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>backups</Name><Prefix>ofs/</Prefix><KeyCount>2</KeyCount><MaxKeys>1000</MaxKeys>
  <IsTruncated>false</IsTruncated>
  <Contents><Key>ofs/ofs-metadata-20260101T000000.000Z.json</Key><LastModified>2026-01-01T00:00:00.000Z</LastModified>
    <ETag>&quot;abc&quot;</ETag><Size>1234</Size><StorageClass>STANDARD</StorageClass></Contents>
  <Contents><Key>ofs/a &amp; b.json</Key><Size>0</Size></Contents>
</ListBucketResult>)";

TEST(S3Xml, DecodesAListPage) {
  Result<ListPage> page = DecodeListObjectsV2(kPage);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_FALSE(page->truncated);
  ASSERT_EQ(page->objects.size(), 2u);
  EXPECT_EQ(page->objects[0].key, "ofs/ofs-metadata-20260101T000000.000Z.json");
  EXPECT_EQ(page->objects[0].size, 1234);
  EXPECT_EQ(page->objects[1].key, "ofs/a & b.json");  // entities decoded
  EXPECT_EQ(page->objects[1].size, 0);
}

TEST(S3Xml, DecodesATruncatedPageWithoutANamespace) {
  Result<ListPage> page = DecodeListObjectsV2(
      "<ListBucketResult><IsTruncated>true</IsTruncated><NextContinuationToken>tok/+=</NextContinuationToken>"
      "<Contents><Key>k</Key><Size>7</Size></Contents></ListBucketResult>");
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_TRUE(page->truncated);
  EXPECT_EQ(page->next_continuation_token, "tok/+=");
  ASSERT_EQ(page->objects.size(), 1u);
}

TEST(S3Xml, AnEmptyPageHasNoObjects) {
  Result<ListPage> page = DecodeListObjectsV2(
      R"(<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><KeyCount>0</KeyCount>)"
      "<IsTruncated>false</IsTruncated></ListBucketResult>");
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_TRUE(page->objects.empty());
}

TEST(S3Xml, RefusesMalformedPages) {
  const char* cases[][2] = {
      {"", "not well-formed"},
      {"<ListBucketResult><IsTruncated>false</IsTruncated>", "not well-formed"},
      {"<Error><Code>x</Code></Error>", "<Error>"},
      {"<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Size>1</Size></Contents></"
       "ListBucketResult>",
       "without a <Key>"},
      {"<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>k</Key><Size>-1</Size></Contents>"
       "</ListBucketResult>",
       "<Size>"},
      {"<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>k</Key><Size>1x</Size></Contents>"
       "</ListBucketResult>",
       "<Size>"},
      {"<ListBucketResult><IsTruncated>yes</IsTruncated></ListBucketResult>", "<IsTruncated>"},
      {"<ListBucketResult></ListBucketResult>", "no <IsTruncated>"},
      {"<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>", "NextContinuationToken"},
      {"<!DOCTYPE x [<!ENTITY a \"aaaa\">]><ListBucketResult><IsTruncated>false</IsTruncated>"
       "</ListBucketResult>",
       "DTD"},
  };
  for (const auto& [xml, expected] : cases) {
    Result<ListPage> page = DecodeListObjectsV2(xml);
    ASSERT_FALSE(page.ok()) << xml;
    EXPECT_EQ(page.status().code(), ErrorCode::kInvalidRequest);
    EXPECT_NE(page.status().ToString().find(expected), std::string::npos) << page.status().ToString();
  }
}

TEST(S3Xml, DecodesAnErrorDocument) {
  std::optional<ErrorDocument> error =
      DecodeError(R"(<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchBucket</Code>)"
                  "<Message>The specified bucket does not exist</Message><BucketName>nope</BucketName>"
                  "<RequestId>1</RequestId></Error>");
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->code, "NoSuchBucket");
  EXPECT_EQ(error->message, "The specified bucket does not exist");
}

TEST(S3Xml, WhatIsNotAnErrorDocumentHasNoCode) {
  EXPECT_FALSE(DecodeError("").has_value());
  EXPECT_FALSE(DecodeError("<html><body>bad gateway</body></html>").has_value());
  EXPECT_FALSE(DecodeError("<Error><Message>no code</Message></Error>").has_value());
  EXPECT_FALSE(DecodeError("<Error><Code>x</Code>").has_value());
}

}  // namespace
}  // namespace ofs::s3
