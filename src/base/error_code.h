#pragma once
// The error codes of the OFS API contract (shared/design/API.md section 7). This is the one place that
// maps a code to its wire name and HTTP status; every module reports failures with one of these.

#include <string_view>

namespace ofs {

enum class ErrorCode : int {
  kOk = 0,
  kInvalidRequest,
  kEntityRegistrationRequest,
  kEntitySchemaValidation,
  kEntityAlreadyExists,
  kEntityNotFound,
  kEntityState,
  kUpdateEntityRequest,
  kFeatureGroupRegistrationRequest,
  kFeatureGroupInvalidColumnNames,
  kFeatureGroupAlreadyExists,
  kVersioningDisabled,
  kFeatureGroupNotFound,
  kFeatureGroupVersionNotFound,
  kFeatureGroupState,
  kFeatureGroupSchemaValidation,
  kReadFeatureGroupRequest,
  kMultiReadFeatureGroupRequest,
  kReadFeatureGroupPartitionRequest,
  kWriteFeatureGroupRequest,
  kSearchFeatureGroupRequest,
  kSearchEntityRequest,
  kAdminService,
  kTenantNotFound,
  kKafkaAdmin,            // a Kafka admin operation refused (topic exists, fewer partitions, no Kafka)
  kConsumerRegistration,  // Darwin's /consumer/register failed
  kKafkaConfigNotFound,   // Darwin's /kafka/topic-metadata without Kafka
  kUnauthenticated,
  kForbidden,
  kNotFound,          // unknown route
  kMethodNotAllowed,  // known route, wrong method
  kPayloadTooLarge,
  kRequestTimeout,
  kMetastoreUnavailable,
  kStoreUnavailable,
  kOverloaded,
  kInternal,
  kCount_,
};

// Wire name, e.g. "FEATURE-GROUP-NOT-FOUND-EXCEPTION".
std::string_view ErrorCodeName(ErrorCode code);
// HTTP status the code is answered with.
int ErrorCodeHttpStatus(ErrorCode code);

}  // namespace ofs
