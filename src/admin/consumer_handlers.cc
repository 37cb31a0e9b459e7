// Darwin's consumer and Kafka admin routes (docs/ingestion.md, "Topics"): the registry of each consume
// tenant's Kafka topic (the metadata store's consumer_topics, Darwin's cassandra_store_tenant_consumer_map)
// and Kafka's topics themselves (TopicAdmin). Shapes are Darwin's; every answer echoes the request body in
// {"data": ...} as Darwin did.
//
//   GET  /consumer/metadata/all   -> [{"tenantName", "topicName", "numConsumers"}]
//   POST /consumer/onboard        {"tenantName", "topicName", "numPartitions"}: the tenant must be a group's
//                                 consume tenant; the topic is created (with Kafka), then the row recorded
//   POST /consumer/register       {"tenant_name", "topic_name", "num_partitions", "num_consumers"}: the row
//                                 only (snake_case, as Darwin's); num_consumers is recorded as 1
//   PUT  /consumer/topic          {"tenantName", "topicName"}: the row only
//   PUT  /consumer/partitions     {"tenantName", "numPartitions"}: Kafka first, then the row
//   PUT  /consumer/count          {"tenantName", "numConsumers"}: at most the partitions
//   POST /kafka/topic             {"topicName", "numPartitions"}: creates the topic
//   GET  /kafka/topic-metadata    -> {"kafkaTopicMetadata": [{"topicName", "partitions",
//                                 "replicationFactor", "retentionMs"}]}, live from Kafka (Darwin read a
//                                 daily S3 copy)
// Registry changes move the catalog: serve nodes and consumers pick the new topic up like any change.
// Tenant-scoped tokens (api/tenant_scope.h): the listing shows the tenants in scope, a change needs its
// tenant in scope, and /kafka/* (any topic of the cluster) needs an unscoped token.

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>

#include "admin/handler_support.h"
#include "admin/handlers.h"
#include "admin/json_fields.h"
#include "admin/scope.h"
#include "base/strings.h"

namespace ofs::admin {
namespace {

using http::Method;

constexpr ErrorCode kRequest = ErrorCode::kInvalidRequest;
constexpr int64_t kMaxPartitions = 100'000;

// The fields of the bodies above, whichever names a route uses.
struct ConsumerBody {
  std::optional<std::string> tenant;
  std::optional<std::string> topic;
  std::optional<int64_t> partitions;
  std::optional<int64_t> consumers;
};

Result<ConsumerBody> ParseConsumerBody(const http::Request& request, bool snake_case) {
  ConsumerBody body;
  auto text = [&](od::value v, std::optional<std::string>* out, std::string_view what) {
    std::string value;
    OFS_RETURN_IF_ERROR(ReadOptionalText(v, &value, kRequest, what));
    if (!value.empty()) *out = std::move(value);
    return Status::Ok();
  };
  auto number = [&](od::value v, std::optional<int64_t>* out, std::string_view what) {
    int64_t value = 0;
    OFS_RETURN_IF_ERROR(api::ReadInt64(v, &value, kRequest, what));
    *out = value;
    return Status::Ok();
  };
  OFS_RETURN_IF_ERROR(ForEachBodyField(request, kRequest, false, [&](std::string_view key, od::value v) {
    if (EqualsIgnoreCase(key, snake_case ? "tenant_name" : "tenantName")) return text(v, &body.tenant, key);
    if (EqualsIgnoreCase(key, snake_case ? "topic_name" : "topicName")) return text(v, &body.topic, key);
    if (EqualsIgnoreCase(key, snake_case ? "num_partitions" : "numPartitions"))
      return number(v, &body.partitions, key);
    if (EqualsIgnoreCase(key, snake_case ? "num_consumers" : "numConsumers"))
      return number(v, &body.consumers, key);
    return Status::Ok();
  }));
  return body;
}

Status Require(const std::optional<std::string>& value, std::string_view name) {
  if (!value.has_value()) return Status(kRequest, std::string(name) + " is required");
  return Status::Ok();
}

Status RequireCount(const std::optional<int64_t>& value, std::string_view name) {
  if (!value.has_value()) return Status(kRequest, std::string(name) + " is required");
  if (*value < 1 || *value > kMaxPartitions) {
    return Status(kRequest, std::string(name) + " must be 1.." + std::to_string(kMaxPartitions));
  }
  return Status::Ok();
}

// A tenant or topic name: 1..249 characters of [A-Za-z0-9._-] (Kafka's topic-name rule).
Status CheckName(const std::string& name, std::string_view what) {
  const bool valid = !name.empty() && name.size() <= 249 && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
  if (!valid)
    return Status(kRequest,
                  std::string(what) + " '" + name + "' is not a valid name (1..249 of [A-Za-z0-9._-])");
  return Status::Ok();
}

Status NoKafka() {
  return Status(ErrorCode::kKafkaAdmin, "kafka is not configured",
                "start the admin process with --kafka HOST:PORT (kafka.bootstrap)");
}

Result<model::ConsumerTopic> RegisteredTopic(const AdminDeps& deps, const std::string& tenant) {
  OFS_ASSIGN_OR_RETURN(std::vector<model::ConsumerTopic> topics, deps.store->ListConsumerTopics());
  for (model::ConsumerTopic& t : topics) {
    if (t.tenant == tenant) return std::move(t);
  }
  return Status(ErrorCode::kTenantNotFound, "tenant not found",
                "tenant " + tenant + " has no consumer metadata");
}

Status ListConsumers(const AdminDeps& deps, const api::Call& call, http::Response& response) {
  OFS_ASSIGN_OR_RETURN(Scope scope, Scope::Of(deps, call));
  OFS_ASSIGN_OR_RETURN(std::vector<model::ConsumerTopic> topics, deps.store->ListConsumerTopics());
  std::erase_if(topics, [&](const model::ConsumerTopic& t) { return !scope.SeesTenant(t.tenant); });
  return Respond(response, [&](codec::JsonWriter& out) {
    out.StartArray();
    for (const model::ConsumerTopic& t : topics) {
      out.StartObject();
      out.Key("tenantName");
      out.String(t.tenant);
      out.Key("topicName");
      out.String(t.topic);
      out.Key("numConsumers");
      out.Int(t.consumers);
      out.EndObject();
    }
    out.EndArray();
  });
}

Status Onboard(const AdminDeps& deps, const api::Call& call, http::Response& response) {
  OFS_ASSIGN_OR_RETURN(ConsumerBody body, ParseConsumerBody(call.request, false));
  OFS_RETURN_IF_ERROR(Require(body.tenant, "tenantName"));
  OFS_RETURN_IF_ERROR(Require(body.topic, "topicName"));
  OFS_RETURN_IF_ERROR(RequireCount(body.partitions, "numPartitions"));
  OFS_RETURN_IF_ERROR(CheckName(*body.topic, "topicName"));
  OFS_ASSIGN_OR_RETURN(Scope scope, Scope::Of(deps, call));
  OFS_RETURN_IF_ERROR(scope.ChangeTenant(*body.tenant));
  // Darwin's rule: the tenant must be some group's consume tenant.
  std::shared_ptr<const catalog::Snapshot> snapshot = deps.catalog->CurrentShared();
  const bool used = snapshot != nullptr &&
                    std::any_of(snapshot->groups().begin(), snapshot->groups().end(),
                                [&](const auto& g) { return g->meta.tenant.consume == *body.tenant; });
  if (!used) {
    return Status(ErrorCode::kTenantNotFound, "tenant not found",
                  "no feature group has consume tenant " + *body.tenant);
  }
  if (deps.topics == nullptr) return NoKafka();
  // Registered already: refused before Kafka is touched (Darwin: the same error, inside its transaction).
  if (RegisteredTopic(deps, *body.tenant).ok()) {
    return Status(ErrorCode::kKafkaAdmin, "consumer metadata already exists",
                  "tenant " + *body.tenant + " already has a topic");
  }
  OFS_RETURN_IF_ERROR(deps.topics->CreateTopic(*body.topic, *body.partitions));
  Status added = deps.store->AddConsumerTopic(
      model::ConsumerTopic{*body.tenant, *body.topic, *body.partitions, 1, 0}, deps.clock->NowMillis());
  if (added.code() == ErrorCode::kInvalidRequest) {  // registered meanwhile
    return Status(ErrorCode::kKafkaAdmin, std::string(added.message()), std::string(added.cause()));
  }
  OFS_RETURN_IF_ERROR(added);
  OFS_RETURN_IF_ERROR(Publish(deps));
  return Respond(response, [&](codec::JsonWriter& out) {
    out.StartObject();
    out.Key("tenantName");
    out.String(*body.tenant);
    out.Key("topicName");
    out.String(*body.topic);
    out.Key("numPartitions");
    out.Int(*body.partitions);
    out.EndObject();
  });
}

Status Register(const AdminDeps& deps, const api::Call& call, http::Response& response) {
  OFS_ASSIGN_OR_RETURN(ConsumerBody body, ParseConsumerBody(call.request, true));
  OFS_RETURN_IF_ERROR(Require(body.tenant, "tenant_name"));
  OFS_RETURN_IF_ERROR(Require(body.topic, "topic_name"));
  OFS_RETURN_IF_ERROR(CheckName(*body.topic, "topic_name"));
  const int64_t partitions = body.partitions.value_or(1);
  OFS_RETURN_IF_ERROR(RequireCount(partitions, "num_partitions"));
  OFS_ASSIGN_OR_RETURN(Scope scope, Scope::Of(deps, call));
  OFS_RETURN_IF_ERROR(scope.ChangeTenant(*body.tenant));
  Status added = deps.store->AddConsumerTopic(
      model::ConsumerTopic{*body.tenant, *body.topic, partitions, 1, 0}, deps.clock->NowMillis());
  if (added.code() == ErrorCode::kInvalidRequest) {
    return Status(ErrorCode::kConsumerRegistration, std::string(added.message()), std::string(added.cause()));
  }
  OFS_RETURN_IF_ERROR(added);
  OFS_RETURN_IF_ERROR(Publish(deps));
  return Respond(response, [&](codec::JsonWriter& out) {
    out.StartObject();
    out.Key("tenant_name");
    out.String(*body.tenant);
    out.Key("topic_name");
    out.String(*body.topic);
    out.Key("num_partitions");
    out.Int(partitions);
    out.Key("num_consumers");
    out.Int(body.consumers.value_or(1));
    out.EndObject();
  });
}

// PUT /consumer/topic, /consumer/partitions, /consumer/count: one field of a registered tenant's row.
enum class Field { kTopic, kPartitions, kConsumers };

Status UpdateConsumer(const AdminDeps& deps, const api::Call& call, http::Response& response, Field field) {
  OFS_ASSIGN_OR_RETURN(ConsumerBody body, ParseConsumerBody(call.request, false));
  OFS_RETURN_IF_ERROR(Require(body.tenant, "tenantName"));
  switch (field) {
    case Field::kTopic:
      OFS_RETURN_IF_ERROR(Require(body.topic, "topicName"));
      OFS_RETURN_IF_ERROR(CheckName(*body.topic, "topicName"));
      break;
    case Field::kPartitions:
      OFS_RETURN_IF_ERROR(RequireCount(body.partitions, "numPartitions"));
      break;
    case Field::kConsumers:
      OFS_RETURN_IF_ERROR(RequireCount(body.consumers, "numConsumers"));
      break;
  }
  OFS_ASSIGN_OR_RETURN(Scope scope, Scope::Of(deps, call));
  OFS_RETURN_IF_ERROR(scope.ChangeTenant(*body.tenant));
  OFS_ASSIGN_OR_RETURN(model::ConsumerTopic row, RegisteredTopic(deps, *body.tenant));
  switch (field) {
    case Field::kTopic:
      row.topic = *body.topic;
      break;
    case Field::kPartitions:
      if (deps.topics == nullptr) return NoKafka();
      OFS_RETURN_IF_ERROR(deps.topics->SetPartitions(row.topic, *body.partitions));
      row.partitions = *body.partitions;
      break;
    case Field::kConsumers:
      if (*body.consumers > row.partitions) {
        return Status(
            ErrorCode::kKafkaAdmin, "consumer count cannot be greater than num partitions",
            "tenant " + row.tenant + "'s topic has " + std::to_string(row.partitions) + " partitions");
      }
      row.consumers = *body.consumers;
      break;
  }
  OFS_RETURN_IF_ERROR(deps.store->UpdateConsumerTopic(row, deps.clock->NowMillis()));
  OFS_RETURN_IF_ERROR(Publish(deps));
  return Respond(response, [&](codec::JsonWriter& out) {
    out.StartObject();
    out.Key("tenantName");
    out.String(*body.tenant);
    switch (field) {
      case Field::kTopic:
        out.Key("topicName");
        out.String(*body.topic);
        break;
      case Field::kPartitions:
        out.Key("numPartitions");
        out.Int(*body.partitions);
        break;
      case Field::kConsumers:
        out.Key("numConsumers");
        out.Int(*body.consumers);
        break;
    }
    out.EndObject();
  });
}

Status CreateTopic(const AdminDeps& deps, const api::Call& call, http::Response& response) {
  OFS_ASSIGN_OR_RETURN(ConsumerBody body, ParseConsumerBody(call.request, false));
  OFS_RETURN_IF_ERROR(Require(body.topic, "topicName"));
  OFS_RETURN_IF_ERROR(CheckName(*body.topic, "topicName"));
  OFS_RETURN_IF_ERROR(RequireCount(body.partitions, "numPartitions"));
  OFS_ASSIGN_OR_RETURN(Scope scope, Scope::Of(deps, call));
  OFS_RETURN_IF_ERROR(scope.Unscoped("creating a Kafka topic"));
  if (deps.topics == nullptr) return NoKafka();
  OFS_RETURN_IF_ERROR(deps.topics->CreateTopic(*body.topic, *body.partitions));
  return Respond(response, [&](codec::JsonWriter& out) {
    out.StartObject();
    out.Key("topicName");
    out.String(*body.topic);
    out.Key("numPartitions");
    out.Int(*body.partitions);
    out.EndObject();
  });
}

Status TopicMetadata(const AdminDeps& deps, const api::Call& call, http::Response& response) {
  OFS_ASSIGN_OR_RETURN(Scope scope, Scope::Of(deps, call));
  OFS_RETURN_IF_ERROR(scope.Unscoped("describing every Kafka topic"));
  if (deps.topics == nullptr) {
    return Status(ErrorCode::kKafkaConfigNotFound, "kafka is not configured",
                  "start the admin process with --kafka HOST:PORT (kafka.bootstrap)");
  }
  OFS_ASSIGN_OR_RETURN(std::vector<ingest::TopicDescription> topics, deps.topics->DescribeTopics());
  return Respond(response, [&](codec::JsonWriter& out) {
    out.StartObject();
    out.Key("kafkaTopicMetadata");
    out.StartArray();
    for (const ingest::TopicDescription& t : topics) {
      out.StartObject();
      out.Key("topicName");
      out.String(t.name);
      out.Key("partitions");
      out.Int(t.partitions);
      out.Key("replicationFactor");
      out.Int(t.replication_factor);
      out.Key("retentionMs");
      out.Int(t.retention_ms);
      out.EndObject();
    }
    out.EndArray();
    out.EndObject();
  });
}

}  // namespace

void RegisterConsumerRoutes(api::Endpoint& endpoint, const AdminDeps& deps) {
  using api::Role;
  endpoint.Add("consumer_list", Role::kReader, {{Method::kGet, "/consumer/metadata/all", true}},
               Bind(deps, &ListConsumers));
  endpoint.Add("consumer_onboard", Role::kAdmin, {{Method::kPost, "/consumer/onboard", true}},
               Bind(deps, &Onboard));
  endpoint.Add("consumer_register", Role::kAdmin, {{Method::kPost, "/consumer/register", true}},
               Bind(deps, &Register));
  endpoint.Add("consumer_topic", Role::kAdmin, {{Method::kPut, "/consumer/topic", true}},
               Bind(deps, [](const AdminDeps& d, const api::Call& c, http::Response& r) {
                 return UpdateConsumer(d, c, r, Field::kTopic);
               }));
  endpoint.Add("consumer_partitions", Role::kAdmin, {{Method::kPut, "/consumer/partitions", true}},
               Bind(deps, [](const AdminDeps& d, const api::Call& c, http::Response& r) {
                 return UpdateConsumer(d, c, r, Field::kPartitions);
               }));
  endpoint.Add("consumer_count", Role::kAdmin, {{Method::kPut, "/consumer/count", true}},
               Bind(deps, [](const AdminDeps& d, const api::Call& c, http::Response& r) {
                 return UpdateConsumer(d, c, r, Field::kConsumers);
               }));
  endpoint.Add("kafka_topic", Role::kAdmin, {{Method::kPost, "/kafka/topic", true}},
               Bind(deps, &CreateTopic));
  endpoint.Add("kafka_topic_metadata", Role::kReader, {{Method::kGet, "/kafka/topic-metadata", true}},
               Bind(deps, &TopicMetadata));
}

}  // namespace ofs::admin
