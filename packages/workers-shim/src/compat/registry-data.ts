// GENERATED FILE, DO NOT EDIT. Re-generate from the pinned workerd with
//   pnpm --filter @workers-tracing/workers-shim compat:generate
// or: node packages/workers-shim/scripts/generate-compat-registry.mjs <workerd binary | compatibility-date.capnp>
// Source: the schema compiled into workerd 1.20261123.1 (`workerd 2026-11-23`).
// Facts of workerd's compatibility registry (src/workerd/io/compatibility-date.capnp), one entry
// per field in ordinal order, the order in which workerd resolves them.
import type { WorkerdCompatFieldFacts } from "./registry-types";

/**
 * The workerd release the registry data was generated from (its npm version, or a label).
 * @public
 */
export const WORKERD_REGISTRY_VERSION = "1.20261123.1";

/**
 * Names of workerd's compatibility fields, as declared in compatibility-date.capnp.
 * @public
 */
export type WorkerdCompatField =
  | "formDataParserSupportsFiles"
  | "fetchRefusesUnknownProtocols"
  | "esiIncludeIsVoidTag"
  | "obsolete3"
  | "durableObjectFetchRequiresSchemeAuthority"
  | "streamsByobReaderDetachesBuffer"
  | "streamsJavaScriptControllers"
  | "jsgPropertyOnPrototypeTemplate"
  | "minimalSubrequests"
  | "noCotsOnExternalFetch"
  | "specCompliantUrl"
  | "globalNavigator"
  | "captureThrowsAsRejections"
  | "r2PublicBetaApi"
  | "obsolete14"
  | "noSubstituteNull"
  | "transformStreamJavaScriptControllers"
  | "r2ListHonorIncludeFields"
  | "exportCommonJsDefaultNamespace"
  | "obsolete19"
  | "webSocketCompression"
  | "nodeJsCompat"
  | "obsolete22"
  | "specCompliantResponseRedirect"
  | "workerdExperimental"
  | "durableObjectGetExisting"
  | "httpHeadersGetSetCookie"
  | "dispatchExceptionTunneling"
  | "serviceBindingExtraHandlers"
  | "noCfBotManagementDefault"
  | "urlSearchParamsDeleteHasValueArg"
  | "strictCompression"
  | "brotliContentEncoding"
  | "strictCrypto"
  | "rttiApi"
  | "obsolete35"
  | "cryptoPreservePublicExponent"
  | "vectorizeQueryMetadataOptional"
  | "unsafeModule"
  | "jsRpc"
  | "noImportScripts"
  | "nodeJsAls"
  | "queuesJsonMessages"
  | "pythonWorkers"
  | "fetcherNoGetPutDelete"
  | "unwrapCustomThenables"
  | "fetcherRpc"
  | "internalStreamByobReturn"
  | "blobStandardMimeType"
  | "fetchStandardUrl"
  | "nodeJsCompatV2"
  | "globalFetchStrictlyPublic"
  | "newModuleRegistry"
  | "cacheOptionEnabled"
  | "kvDirectBinding"
  | "allowCustomPorts"
  | "increaseWebsocketMessageSize"
  | "internalWritableStreamAbortClearsQueue"
  | "pythonWorkersDevPyodide"
  | "nodeJsZlib"
  | "replicaRouting"
  | "obsolete61"
  | "handleCrossRequestPromiseResolution"
  | "obsolete63"
  | "setToStringTag"
  | "upperCaseAllHttpMethods"
  | "obsolete66"
  | "noTopLevelAwaitInRequire"
  | "fixupTransformStreamBackpressure"
  | "obsolete69"
  | "cacheNoCache"
  | "pythonWorkers20250116"
  | "requestCfOverridesCacheRules"
  | "memoryCacheDelete"
  | "obsolete74"
  | "queueConsumerNoWaitForWaitUntil"
  | "populateProcessEnv"
  | "cacheApiRequestCfOverridesCacheRules"
  | "disableImportableEnv"
  | "assetsSecFetchModeNavigateHeaderPrefersAssetServing"
  | "cacheApiCompatFlags"
  | "obsolete81"
  | "obsolete82"
  | "specCompliantUrlpattern"
  | "jsWeakRef"
  | "requestSignalPassthrough"
  | "enableNavigatorLanguage"
  | "webFileSystem"
  | "abortSignalRpc"
  | "allowEvalDuringStartup"
  | "enableRequestSignal"
  | "connectPassThrough"
  | "reuseCtxAcrossNonclassEvents"
  | "bindAsyncLocalStorageSnapshot"
  | "throwOnUnrecognizedImportAssertion"
  | "pythonWorkflows"
  | "unsupportedProcessActualPlatform"
  | "enableNodeJsProcessV2"
  | "setEventTargetThis"
  | "enableForwardableEmailFullHeaders"
  | "enableNodejsHttpModules"
  | "pedanticWpt"
  | "exposeGlobalMessageChannel"
  | "enableNodejsHttpServerModules"
  | "pythonNoGlobalHandlers"
  | "enableNodeJsFsModule"
  | "enableNodeJsOsModule"
  | "pythonWorkersForceNewVendorPath"
  | "removeNodejsCompatEOL"
  | "enableWorkflowScriptValidation"
  | "pythonDedicatedSnapshot"
  | "typescriptStripTypes"
  | "enableNodeJsHttp2Module"
  | "experimentalAllowEvalAlways"
  | "stripAuthorizationOnCrossOriginRedirect"
  | "enhancedErrorSerialization"
  | "emailSendingQueuing"
  | "removeNodejsCompatEOLv22"
  | "removeNodejsCompatEOLv23"
  | "removeNodejsCompatEOLv24"
  | "enableNodeJsConsoleModule"
  | "enableNodeJsVmModule"
  | "enableNodeJsPerfHooksModule"
  | "enableGlobalPerformanceClasses"
  | "enableNodeJsDomainModule"
  | "enableNodeJsV8Module"
  | "enableNodeJsTtyModule"
  | "enableNodeJsPunycodeModule"
  | "enableNodeJsClusterModule"
  | "enableNodeJsChildProcessModule"
  | "enableNodeJsWorkerThreadsModule"
  | "enableNodeJsStreamWrapModule"
  | "enableNodeJsWasiModule"
  | "enableNodeJsDgramModule"
  | "enableNodeJsInspectorModule"
  | "enableNodeJsTraceEventsModule"
  | "enableNodeJsReadlineModule"
  | "enableNodeJsReplModule"
  | "enableNodeJsSqliteModule"
  | "enableCtxExports"
  | "pythonExternalSDK"
  | "fastJsgStruct"
  | "cacheReload"
  | "streamsNodejsV24Compat"
  | "pythonCheckRngState"
  | "shouldSetImmutablePrototype"
  | "fetchIterableTypeSupport"
  | "envModuleNullableSupport"
  | "preciseTimers"
  | "fetchIterableTypeSupportOverrideAdjustment"
  | "stripBomInReadAllText"
  | "allowIrrevocableStubStorage"
  | "rpcParamsDupStubs"
  | "enableNodejsGlobalTimers"
  | "noAutoAllocateChunkSize"
  | "pythonWorkflowsImplicitDeps"
  | "requireReturnsDefaultExport"
  | "pythonRequestHeadersPreserveCommas"
  | "queueExposeErrorCodes"
  | "textDecoderReplaceSurrogates"
  | "containersPidNamespace"
  | "deleteAllDeletesAlarm"
  | "unhandledRejectionAfterMicrotaskCheckpoint"
  | "textDecoderCjkDecoder"
  | "websocketCloseReasonByteLimit"
  | "enableVersionApi"
  | "websocketBinaryTypeDefault"
  | "writableStreamSpecCompliantWriter"
  | "encoderStreamSpecCompliantBackpressure"
  | "specCompliantPropertyAttributes"
  | "workflowsPreserveNonRetryableErrorMessage"
  | "webSocketAutoReplyToClose"
  | "enableCtxVersionMetadata"
  | "noResizableArrayBufferInBlob"
  | "diagnosticsChannelHasSubscribersGetter"
  | "workflowsStepRollback"
  | "pythonProcessPthFiles"
  | "throwOnNotImplementedTlsOptions"
  | "autoGrpcConvert"
  | "pythonWorkers20260610"
  | "enableNodeJsInspectorLocalDev"
  | "d1BindingJsrpc"
  | "workflowsBindingsRpc"
  | "typeScriptImplementedStreams"
  | "exposeDrainingReader"
  | "workflowsEnableFastEngineCreation"
  | "wasmMemoryDiscard"
  | "pythonWorkers314"
  | "specCompliantDispatchExceptions"
  | "autoInjectPythonWorkers"
  | "durableObjectIoTasksPreventEviction"
  | "webCryptoModernAlgorithms"
  | "wasmEsmIntegrationBuiltins"
  | "pipeToBackwardPropagation"
  | "cacheOptionPreservesCacheControl"
  | "durableObjectSnapshots"
  | "connectHandlerStartTls"
  | "offpeakLocationHint"
  | "pythonSharedStandardLibrary"
  | "wasmSourceUrlSupport"
  | "temporal"
  | "pythonZstdSnapshot"
  | "nodeJsProcessVersion24"
  | "r2BindingsJsrpc"
  | "rpcDisposeCancelsCall"
  | "exposeSerializationTestClass"
  | "pythonDedicatedSnapshotKeepImportCaches"
  | "websocketStandardUrlAndExtensions"
  | "fetchInvalidResponseTypeError"
  | "connectHandlerImmediateTls";

/**
 * Every field of workerd's compatibility registry, in ordinal order.
 * @internal
 */
export const WORKERD_COMPAT_FIELDS: readonly WorkerdCompatFieldFacts<WorkerdCompatField>[] = [
  { field: "formDataParserSupportsFiles", ordinal: 0, enableFlag: "formdata_parser_supports_files", disableFlag: "formdata_parser_converts_files_to_strings", enableDate: "2021-11-03" },
  { field: "fetchRefusesUnknownProtocols", ordinal: 1, enableFlag: "fetch_refuses_unknown_protocols", disableFlag: "fetch_treats_unknown_protocols_as_http", enableDate: "2021-11-10" },
  { field: "esiIncludeIsVoidTag", ordinal: 2, enableFlag: "html_rewriter_treats_esi_include_as_void_tag" },
  { field: "obsolete3", ordinal: 3, obsolete: true },
  { field: "durableObjectFetchRequiresSchemeAuthority", ordinal: 4, enableFlag: "durable_object_fetch_requires_full_url", disableFlag: "durable_object_fetch_allows_relative_url", enableDate: "2021-11-10" },
  { field: "streamsByobReaderDetachesBuffer", ordinal: 5, enableFlag: "streams_byob_reader_detaches_buffer", disableFlag: "streams_byob_reader_does_not_detach_buffer", enableDate: "2021-11-10" },
  { field: "streamsJavaScriptControllers", ordinal: 6, enableFlag: "streams_enable_constructors", disableFlag: "streams_disable_constructors", enableDate: "2022-11-30" },
  { field: "jsgPropertyOnPrototypeTemplate", ordinal: 7, enableFlag: "workers_api_getters_setters_on_prototype", disableFlag: "workers_api_getters_setters_on_instance", enableDate: "2022-01-31" },
  { field: "minimalSubrequests", ordinal: 8, enableFlag: "minimal_subrequests", disableFlag: "no_minimal_subrequests", enableDate: "2022-04-05" },
  { field: "noCotsOnExternalFetch", ordinal: 9, enableFlag: "no_cots_on_external_fetch", disableFlag: "cots_on_external_fetch", enableDate: "2022-03-08" },
  { field: "specCompliantUrl", ordinal: 10, enableFlag: "url_standard", disableFlag: "url_original", enableDate: "2022-10-31" },
  { field: "globalNavigator", ordinal: 11, enableFlag: "global_navigator", disableFlag: "no_global_navigator", enableDate: "2022-03-21" },
  { field: "captureThrowsAsRejections", ordinal: 12, enableFlag: "capture_async_api_throws", disableFlag: "do_not_capture_async_api_throws", enableDate: "2022-10-31" },
  { field: "r2PublicBetaApi", ordinal: 13, enableFlag: "r2_public_beta_bindings", disableFlag: "r2_internal_beta_bindings", enableAllDates: true },
  { field: "obsolete14", ordinal: 14, enableFlag: "durable_object_alarms", obsolete: true },
  { field: "noSubstituteNull", ordinal: 15, enableFlag: "dont_substitute_null_on_type_error", disableFlag: "substitute_null_on_type_error", enableDate: "2022-06-01" },
  { field: "transformStreamJavaScriptControllers", ordinal: 16, enableFlag: "transformstream_enable_standard_constructor", disableFlag: "transformstream_disable_standard_constructor", enableDate: "2022-11-30" },
  { field: "r2ListHonorIncludeFields", ordinal: 17, enableFlag: "r2_list_honor_include", enableDate: "2022-08-04" },
  { field: "exportCommonJsDefaultNamespace", ordinal: 18, enableFlag: "export_commonjs_default", disableFlag: "export_commonjs_namespace", enableDate: "2022-10-31" },
  { field: "obsolete19", ordinal: 19, enableFlag: "durable_object_rename", experimental: true, obsolete: true },
  { field: "webSocketCompression", ordinal: 20, enableFlag: "web_socket_compression", disableFlag: "no_web_socket_compression", enableDate: "2023-08-15" },
  { field: "nodeJsCompat", ordinal: 21, enableFlag: "nodejs_compat", disableFlag: "no_nodejs_compat", enableDate: "2026-08-04" },
  { field: "obsolete22", ordinal: 22, enableFlag: "tcp_sockets_support", obsolete: true },
  { field: "specCompliantResponseRedirect", ordinal: 23, enableFlag: "response_redirect_url_standard", disableFlag: "response_redirect_url_original", enableDate: "2023-03-14" },
  { field: "workerdExperimental", ordinal: 24, enableFlag: "experimental", experimental: true },
  { field: "durableObjectGetExisting", ordinal: 25, enableFlag: "durable_object_get_existing", experimental: true },
  { field: "httpHeadersGetSetCookie", ordinal: 26, enableFlag: "http_headers_getsetcookie", disableFlag: "no_http_headers_getsetcookie", enableDate: "2023-03-01" },
  { field: "dispatchExceptionTunneling", ordinal: 27, enableFlag: "dynamic_dispatch_tunnel_exceptions", disableFlag: "dynamic_dispatch_treat_exceptions_as_500", enableDate: "2023-03-01" },
  { field: "serviceBindingExtraHandlers", ordinal: 28, enableFlag: "service_binding_extra_handlers", experimental: true },
  { field: "noCfBotManagementDefault", ordinal: 29, enableFlag: "no_cf_botmanagement_default", disableFlag: "cf_botmanagement_default", enableDate: "2023-08-01" },
  { field: "urlSearchParamsDeleteHasValueArg", ordinal: 30, enableFlag: "urlsearchparams_delete_has_value_arg", disableFlag: "no_urlsearchparams_delete_has_value_arg", enableDate: "2023-07-01" },
  { field: "strictCompression", ordinal: 31, enableFlag: "strict_compression_checks", disableFlag: "no_strict_compression_checks", enableDate: "2023-08-01" },
  { field: "brotliContentEncoding", ordinal: 32, enableFlag: "brotli_content_encoding", disableFlag: "no_brotli_content_encoding", enableDate: "2024-04-29" },
  { field: "strictCrypto", ordinal: 33, enableFlag: "strict_crypto_checks", disableFlag: "no_strict_crypto_checks", enableDate: "2023-08-01" },
  { field: "rttiApi", ordinal: 34, enableFlag: "rtti_api", experimental: true },
  { field: "obsolete35", ordinal: 35, enableFlag: "webgpu", experimental: true, obsolete: true },
  { field: "cryptoPreservePublicExponent", ordinal: 36, enableFlag: "crypto_preserve_public_exponent", disableFlag: "no_crypto_preserve_public_exponent", enableDate: "2023-12-01" },
  { field: "vectorizeQueryMetadataOptional", ordinal: 37, enableFlag: "vectorize_query_metadata_optional", disableFlag: "vectorize_query_original", enableDate: "2023-11-08" },
  { field: "unsafeModule", ordinal: 38, enableFlag: "unsafe_module", experimental: true },
  { field: "jsRpc", ordinal: 39, enableFlag: "js_rpc", experimental: true },
  { field: "noImportScripts", ordinal: 40, enableFlag: "no_global_importscripts", disableFlag: "global_importscripts", enableDate: "2024-03-04" },
  { field: "nodeJsAls", ordinal: 41, enableFlag: "nodejs_als", disableFlag: "no_nodejs_als" },
  { field: "queuesJsonMessages", ordinal: 42, enableFlag: "queues_json_messages", disableFlag: "no_queues_json_messages", enableDate: "2024-03-18" },
  { field: "pythonWorkers", ordinal: 43, enableFlag: "python_workers", impliedByAfterDate: { names: ["pythonWorkersDevPyodide"], date: "2000-01-01" } },
  { field: "fetcherNoGetPutDelete", ordinal: 44, enableFlag: "fetcher_no_get_put_delete", disableFlag: "fetcher_has_get_put_delete", enableDate: "2024-03-26" },
  { field: "unwrapCustomThenables", ordinal: 45, enableFlag: "unwrap_custom_thenables", disableFlag: "no_unwrap_custom_thenables", enableDate: "2024-04-01" },
  { field: "fetcherRpc", ordinal: 46, enableFlag: "rpc", disableFlag: "no_rpc", enableDate: "2024-04-03" },
  { field: "internalStreamByobReturn", ordinal: 47, enableFlag: "internal_stream_byob_return_view", disableFlag: "internal_stream_byob_return_undefined", enableDate: "2024-05-13" },
  { field: "blobStandardMimeType", ordinal: 48, enableFlag: "blob_standard_mime_type", disableFlag: "blob_legacy_mime_type", enableDate: "2024-06-03" },
  { field: "fetchStandardUrl", ordinal: 49, enableFlag: "fetch_standard_url", disableFlag: "fetch_legacy_url", enableDate: "2024-06-03" },
  { field: "nodeJsCompatV2", ordinal: 50, enableFlag: "nodejs_compat_v2", disableFlag: "no_nodejs_compat_v2", enableDate: "2026-08-04", impliedByAfterDate: { names: ["nodeJsCompat"], date: "2024-09-23" } },
  { field: "globalFetchStrictlyPublic", ordinal: 51, enableFlag: "global_fetch_strictly_public", disableFlag: "global_fetch_private_origin" },
  { field: "newModuleRegistry", ordinal: 52, enableFlag: "new_module_registry", disableFlag: "legacy_module_registry", enableDate: "2026-11-17" },
  { field: "cacheOptionEnabled", ordinal: 53, enableFlag: "cache_option_enabled", disableFlag: "cache_option_disabled", enableDate: "2024-11-11" },
  { field: "kvDirectBinding", ordinal: 54, enableFlag: "kv_direct_binding", experimental: true },
  { field: "allowCustomPorts", ordinal: 55, enableFlag: "allow_custom_ports", disableFlag: "ignore_custom_ports", enableDate: "2024-09-02" },
  { field: "increaseWebsocketMessageSize", ordinal: 56, enableFlag: "increase_websocket_message_size", experimental: true },
  { field: "internalWritableStreamAbortClearsQueue", ordinal: 57, enableFlag: "internal_writable_stream_abort_clears_queue", disableFlag: "internal_writable_stream_abort_does_not_clear_queue", enableDate: "2024-09-02" },
  { field: "pythonWorkersDevPyodide", ordinal: 58, enableFlag: "python_workers_development", experimental: true },
  { field: "nodeJsZlib", ordinal: 59, enableFlag: "nodejs_zlib", disableFlag: "no_nodejs_zlib", impliedByAfterDate: { names: ["nodeJsCompat","nodeJsCompatV2"], date: "2024-09-23" } },
  { field: "replicaRouting", ordinal: 60, enableFlag: "replica_routing", experimental: true },
  { field: "obsolete61", ordinal: 61, enableFlag: "enable_d1_with_sessions_api", experimental: true, obsolete: true },
  { field: "handleCrossRequestPromiseResolution", ordinal: 62, enableFlag: "handle_cross_request_promise_resolution", disableFlag: "no_handle_cross_request_promise_resolution", enableDate: "2024-10-14" },
  { field: "obsolete63", ordinal: 63, experimental: true, obsolete: true },
  { field: "setToStringTag", ordinal: 64, enableFlag: "set_tostring_tag", disableFlag: "do_not_set_tostring_tag", enableDate: "2024-09-26" },
  { field: "upperCaseAllHttpMethods", ordinal: 65, enableFlag: "upper_case_all_http_methods", disableFlag: "no_upper_case_all_http_methods", enableDate: "2024-10-14" },
  { field: "obsolete66", ordinal: 66, enableFlag: "python_external_packages", obsolete: true },
  { field: "noTopLevelAwaitInRequire", ordinal: 67, enableFlag: "disable_top_level_await_in_require", disableFlag: "enable_top_level_await_in_require", enableDate: "2024-12-02" },
  { field: "fixupTransformStreamBackpressure", ordinal: 68, enableFlag: "fixup-transform-stream-backpressure", disableFlag: "original-transform-stream-backpressure", enableDate: "2024-12-16" },
  { field: "obsolete69", ordinal: 69, enableFlag: "tail_worker_user_spans", experimental: true, obsolete: true },
  { field: "cacheNoCache", ordinal: 70, enableFlag: "cache_no_cache_enabled", disableFlag: "cache_no_cache_disabled", impliedByAfterDate: { names: ["cacheOptionEnabled"], date: "2025-08-07" } },
  { field: "pythonWorkers20250116", ordinal: 71, enableFlag: "python_workers_20250116", disableFlag: "no_python_workers_20250116", impliedByAfterDate: { names: ["pythonWorkers"], date: "2025-09-29" } },
  { field: "requestCfOverridesCacheRules", ordinal: 72, enableFlag: "request_cf_overrides_cache_rules", disableFlag: "no_request_cf_overrides_cache_rules", enableDate: "2025-04-02" },
  { field: "memoryCacheDelete", ordinal: 73, enableFlag: "memory_cache_delete", experimental: true },
  { field: "obsolete74", ordinal: 74, enableFlag: "unique_ctx_per_invocation", enableDate: "2025-03-10", obsolete: true },
  { field: "queueConsumerNoWaitForWaitUntil", ordinal: 75, enableFlag: "queue_consumer_no_wait_for_wait_until", disableFlag: "queue_consumer_wait_for_wait_until" },
  { field: "populateProcessEnv", ordinal: 76, enableFlag: "nodejs_compat_populate_process_env", disableFlag: "nodejs_compat_do_not_populate_process_env", impliedByAfterDate: { names: ["nodeJsCompat"], date: "2025-04-01" } },
  { field: "cacheApiRequestCfOverridesCacheRules", ordinal: 77, enableFlag: "cache_api_request_cf_overrides_cache_rules", disableFlag: "no_cache_api_request_cf_overrides_cache_rules", enableDate: "2025-05-19" },
  { field: "disableImportableEnv", ordinal: 78, enableFlag: "disallow_importable_env", disableFlag: "allow_importable_env" },
  { field: "assetsSecFetchModeNavigateHeaderPrefersAssetServing", ordinal: 79, enableFlag: "assets_navigation_prefers_asset_serving", disableFlag: "assets_navigation_has_no_effect", enableDate: "2025-04-01" },
  { field: "cacheApiCompatFlags", ordinal: 80, enableFlag: "cache_api_compat_flags", disableFlag: "no_cache_api_compat_flags", enableDate: "2025-04-19" },
  { field: "obsolete81", ordinal: 81, enableFlag: "python_workers_durable_objects", experimental: true, obsolete: true },
  { field: "obsolete82", ordinal: 82, enableFlag: "streaming_tail_worker", experimental: true, obsolete: true },
  { field: "specCompliantUrlpattern", ordinal: 83, enableFlag: "urlpattern_standard", disableFlag: "urlpattern_original", enableDate: "2025-05-01" },
  { field: "jsWeakRef", ordinal: 84, enableFlag: "enable_weak_ref", disableFlag: "disable_weak_ref", enableDate: "2025-05-05" },
  { field: "requestSignalPassthrough", ordinal: 85, enableFlag: "request_signal_passthrough", disableFlag: "no_request_signal_passthrough" },
  { field: "enableNavigatorLanguage", ordinal: 86, enableFlag: "enable_navigator_language", disableFlag: "disable_navigator_language", enableDate: "2025-05-19" },
  { field: "webFileSystem", ordinal: 87, enableFlag: "enable_web_file_system", experimental: true },
  { field: "abortSignalRpc", ordinal: 88, enableFlag: "enable_abortsignal_rpc", experimental: true },
  { field: "allowEvalDuringStartup", ordinal: 89, enableFlag: "allow_eval_during_startup", disableFlag: "disallow_eval_during_startup", enableDate: "2025-06-01" },
  { field: "enableRequestSignal", ordinal: 90, enableFlag: "enable_request_signal", disableFlag: "disable_request_signal", enableDate: "2026-11-17" },
  { field: "connectPassThrough", ordinal: 91, enableFlag: "connect_pass_through", experimental: true },
  { field: "reuseCtxAcrossNonclassEvents", ordinal: 92, enableFlag: "nonclass_entrypoint_reuses_ctx_across_invocations" },
  { field: "bindAsyncLocalStorageSnapshot", ordinal: 93, enableFlag: "bind_asynclocalstorage_snapshot_to_request", disableFlag: "do_not_bind_asynclocalstorage_snapshot_to-request", enableDate: "2025-06-16" },
  { field: "throwOnUnrecognizedImportAssertion", ordinal: 94, enableFlag: "throw_on_unrecognized_import_assertion", disableFlag: "ignore_unrecognized_import_assertion", enableDate: "2025-06-16" },
  { field: "pythonWorkflows", ordinal: 95, enableFlag: "python_workflows", disableFlag: "disable_python_workflows", impliedByAfterDate: { names: ["pythonWorkers"], date: "2025-09-20" } },
  { field: "unsupportedProcessActualPlatform", ordinal: 96, enableFlag: "unsupported_process_actual_platform", experimental: true },
  { field: "enableNodeJsProcessV2", ordinal: 97, enableFlag: "enable_nodejs_process_v2", disableFlag: "disable_nodejs_process_v2", impliedByAfterDate: { names: ["nodeJsCompat"], date: "2025-09-15" } },
  { field: "setEventTargetThis", ordinal: 98, enableFlag: "set_event_target_this", disableFlag: "no_set_event_target_this", enableDate: "2025-08-01" },
  { field: "enableForwardableEmailFullHeaders", ordinal: 99, enableFlag: "set_forwardable_email_full_headers", disableFlag: "set_forwardable_email_single_headers", enableDate: "2025-08-01" },
  { field: "enableNodejsHttpModules", ordinal: 100, enableFlag: "enable_nodejs_http_modules", disableFlag: "disable_nodejs_http_modules", impliedByAfterDate: { names: ["nodeJsCompat"], date: "2025-08-15" } },
  { field: "pedanticWpt", ordinal: 101, enableFlag: "pedantic_wpt", disableFlag: "non_pedantic_wpt" },
  { field: "exposeGlobalMessageChannel", ordinal: 102, enableFlag: "expose_global_message_channel", disableFlag: "no_expose_global_message_channel", enableDate: "2025-08-15" },
  { field: "enableNodejsHttpServerModules", ordinal: 103, enableFlag: "enable_nodejs_http_server_modules", disableFlag: "disable_nodejs_http_server_modules", impliedByAfterDate: { names: ["enableNodejsHttpModules"], date: "2025-09-01" } },
  { field: "pythonNoGlobalHandlers", ordinal: 104, enableFlag: "python_no_global_handlers", disableFlag: "disable_python_no_global_handlers", enableDate: "2025-08-14" },
  { field: "enableNodeJsFsModule", ordinal: 105, enableFlag: "enable_nodejs_fs_module", disableFlag: "disable_nodejs_fs_module", impliedByAfterDate: { names: ["nodeJsCompat"], date: "2025-09-15" } },
  { field: "enableNodeJsOsModule", ordinal: 106, enableFlag: "enable_nodejs_os_module", disableFlag: "disable_nodejs_os_module", impliedByAfterDate: { names: ["nodeJsCompat"], date: "2025-09-15" } },
  { field: "pythonWorkersForceNewVendorPath", ordinal: 107, enableFlag: "python_workers_force_new_vendor_path", enableDate: "2025-08-11" },
  { field: "removeNodejsCompatEOL", ordinal: 108, enableFlag: "remove_nodejs_compat_eol", disableFlag: "add_nodejs_compat_eol", impliedByAfterDate: { names: ["nodeJsCompat"], date: "2025-09-01" } },
  { field: "enableWorkflowScriptValidation", ordinal: 109, enableFlag: "enable_validate_workflow_entrypoint", disableFlag: "disable_validate_workflow_entrypoint", enableDate: "2025-09-20" },
  { field: "pythonDedicatedSnapshot", ordinal: 110, enableFlag: "python_dedicated_snapshot", disableFlag: "disable_python_dedicated_snapshot", impliedByAfterDate: { names: ["pythonWorkers20250116"], date: "2025-10-16" } },
  { field: "typescriptStripTypes", ordinal: 111, enableFlag: "typescript_strip_types", experimental: true },
  { field: "enableNodeJsHttp2Module", ordinal: 112, enableFlag: "enable_nodejs_http2_module", disableFlag: "disable_nodejs_http2_module", impliedByAfterDate: { names: ["nodeJsCompat"], date: "2025-09-01" } },
  { field: "experimentalAllowEvalAlways", ordinal: 113, enableFlag: "allow_insecure_inefficient_logged_eval", experimental: true },
  { field: "stripAuthorizationOnCrossOriginRedirect", ordinal: 114, enableFlag: "strip_authorization_on_cross_origin_redirect", disableFlag: "retain_authorization_on_cross_origin_redirect", enableDate: "2025-09-01" },
  { field: "enhancedErrorSerialization", ordinal: 115, enableFlag: "enhanced_error_serialization", disableFlag: "legacy_error_serialization", enableDate: "2026-04-21" },
  { field: "emailSendingQueuing", ordinal: 116, enableFlag: "enable_email_sending_queuing", disableFlag: "disable_email_sending_queuing" },
  { field: "removeNodejsCompatEOLv22", ordinal: 117, enableFlag: "remove_nodejs_compat_eol_v22", disableFlag: "add_nodejs_compat_eol_v22", impliedByAfterDate: { names: ["removeNodejsCompatEOL"], date: "2027-04-30" } },
  { field: "removeNodejsCompatEOLv23", ordinal: 118, enableFlag: "remove_nodejs_compat_eol_v23", disableFlag: "add_nodejs_compat_eol_v23", impliedByAfterDate: { names: ["removeNodejsCompatEOLv24"], date: "2025-09-01" } },
  { field: "removeNodejsCompatEOLv24", ordinal: 119, enableFlag: "remove_nodejs_compat_eol_v24", disableFlag: "add_nodejs_compat_eol_v24", impliedByAfterDate: { names: ["removeNodejsCompatEOL"], date: "2028-04-30" } },
  { field: "enableNodeJsConsoleModule", ordinal: 120, enableFlag: "enable_nodejs_console_module", disableFlag: "disable_nodejs_console_module", impliedByAfterDate: { names: ["nodeJsCompat"], date: "2025-09-21" } },
  { field: "enableNodeJsVmModule", ordinal: 121, enableFlag: "enable_nodejs_vm_module", disableFlag: "disable_nodejs_vm_module", impliedByAfterDate: { names: ["nodeJsCompat"], date: "2025-10-01" } },
  { field: "enableNodeJsPerfHooksModule", ordinal: 122, enableFlag: "enable_nodejs_perf_hooks_module", disableFlag: "disable_nodejs_perf_hooks_module", impliedByAfterDate: { names: ["nodeJsCompat"], date: "2026-03-17" } },
  { field: "enableGlobalPerformanceClasses", ordinal: 123, enableFlag: "enable_global_performance_classes", disableFlag: "disable_global_performance_classes", impliedByAfterDate: { names: ["nodeJsCompat"], date: "2026-03-17" } },
  { field: "enableNodeJsDomainModule", ordinal: 124, enableFlag: "enable_nodejs_domain_module", disableFlag: "disable_nodejs_domain_module", impliedByAfterDate: { names: ["nodeJsCompat"], date: "2025-12-04" } },
  { field: "enableNodeJsV8Module", ordinal: 125, enableFlag: "enable_nodejs_v8_module", disableFlag: "disable_nodejs_v8_module", impliedByAfterDate: { names: ["nodeJsCompat"], date: "2026-03-17" } },
  { field: "enableNodeJsTtyModule", ordinal: 126, enableFlag: "enable_nodejs_tty_module", disableFlag: "disable_nodejs_tty_module", impliedByAfterDate: { names: ["nodeJsCompat"], date: "2026-03-17" } },
  { field: "enableNodeJsPunycodeModule", ordinal: 127, enableFlag: "enable_nodejs_punycode_module", disableFlag: "disable_nodejs_punycode_module", impliedByAfterDate: { names: ["nodeJsCompat"], date: "2025-12-04" } },
  { field: "enableNodeJsClusterModule", ordinal: 128, enableFlag: "enable_nodejs_cluster_module", disableFlag: "disable_nodejs_cluster_module", impliedByAfterDate: { names: ["nodeJsCompat"], date: "2025-12-04" } },
  { field: "enableNodeJsChildProcessModule", ordinal: 129, enableFlag: "enable_nodejs_child_process_module", disableFlag: "disable_nodejs_child_process_module", impliedByAfterDate: { names: ["nodeJsCompat"], date: "2026-03-17" } },
  { field: "enableNodeJsWorkerThreadsModule", ordinal: 130, enableFlag: "enable_nodejs_worker_threads_module", disableFlag: "disable_nodejs_worker_threads_module", impliedByAfterDate: { names: ["nodeJsCompat"], date: "2026-03-17" } },
  { field: "enableNodeJsStreamWrapModule", ordinal: 131, enableFlag: "enable_nodejs_stream_wrap_module", disableFlag: "disable_nodejs_stream_wrap_module", impliedByAfterDate: { names: ["nodeJsCompat"], date: "2026-01-29" } },
  { field: "enableNodeJsWasiModule", ordinal: 132, enableFlag: "enable_nodejs_wasi_module", disableFlag: "disable_nodejs_wasi_module", impliedByAfterDate: { names: ["nodeJsCompat"], date: "2025-12-04" } },
  { field: "enableNodeJsDgramModule", ordinal: 133, enableFlag: "enable_nodejs_dgram_module", disableFlag: "disable_nodejs_dgram_module", impliedByAfterDate: { names: ["nodeJsCompat"], date: "2026-01-29" } },
  { field: "enableNodeJsInspectorModule", ordinal: 134, enableFlag: "enable_nodejs_inspector_module", disableFlag: "disable_nodejs_inspector_module", impliedByAfterDate: { names: ["nodeJsCompat"], date: "2026-01-29" } },
  { field: "enableNodeJsTraceEventsModule", ordinal: 135, enableFlag: "enable_nodejs_trace_events_module", disableFlag: "disable_nodejs_trace_events_module", impliedByAfterDate: { names: ["nodeJsCompat"], date: "2025-12-04" } },
  { field: "enableNodeJsReadlineModule", ordinal: 136, enableFlag: "enable_nodejs_readline_module", disableFlag: "disable_nodejs_readline_module", impliedByAfterDate: { names: ["nodeJsCompat"], date: "2026-03-17" } },
  { field: "enableNodeJsReplModule", ordinal: 137, enableFlag: "enable_nodejs_repl_module", disableFlag: "disable_nodejs_repl_module", impliedByAfterDate: { names: ["nodeJsCompat"], date: "2026-03-17" } },
  { field: "enableNodeJsSqliteModule", ordinal: 138, enableFlag: "enable_nodejs_sqlite_module", disableFlag: "disable_nodejs_sqlite_module", impliedByAfterDate: { names: ["nodeJsCompat"], date: "2026-01-29" } },
  { field: "enableCtxExports", ordinal: 139, enableFlag: "enable_ctx_exports", disableFlag: "disable_ctx_exports", enableDate: "2025-11-17" },
  { field: "pythonExternalSDK", ordinal: 140, enableFlag: "enable_python_external_sdk", disableFlag: "disable_python_external_sdk", enableDate: "2026-04-21" },
  { field: "fastJsgStruct", ordinal: 141, enableFlag: "enable_fast_jsg_struct", disableFlag: "disable_fast_jsg_struct", enableDate: "2025-12-03" },
  { field: "cacheReload", ordinal: 142, enableFlag: "cache_reload_enabled", disableFlag: "cache_reload_disabled", experimental: true },
  { field: "streamsNodejsV24Compat", ordinal: 143, enableFlag: "enable_streams_nodejs_v24_compat", disableFlag: "disable_streams_nodejs_v24_compat" },
  { field: "pythonCheckRngState", ordinal: 144, enableFlag: "python_check_rng_state", disableFlag: "disable_python_check_rng_state", impliedByAfterDate: { names: ["pythonWorkers"], date: "2025-12-16" } },
  { field: "shouldSetImmutablePrototype", ordinal: 145, enableFlag: "immutable_api_prototypes", disableFlag: "mutable_api_prototypes" },
  { field: "fetchIterableTypeSupport", ordinal: 146, enableFlag: "fetch_iterable_type_support", disableFlag: "no_fetch_iterable_type_support", enableDate: "2026-02-19" },
  { field: "envModuleNullableSupport", ordinal: 147, enableFlag: "env_module_nullable_support", disableFlag: "no_env_module_nullable_support" },
  { field: "preciseTimers", ordinal: 148, enableFlag: "precise_timers", disableFlag: "no_precise_timers", experimental: true },
  { field: "fetchIterableTypeSupportOverrideAdjustment", ordinal: 149, enableFlag: "fetch_iterable_type_support_override_adjustment", disableFlag: "no_fetch_iterable_type_support_override_adjustment", impliedByAfterDate: { names: ["fetchIterableTypeSupport"], date: "2026-01-15" } },
  { field: "stripBomInReadAllText", ordinal: 150, enableFlag: "strip_bom_in_read_all_text", disableFlag: "do_not_strip_bom_in_read_all_text", enableDate: "2026-01-13", impliedByAfterDate: { names: ["pedanticWpt"], date: "2026-01-13" } },
  { field: "allowIrrevocableStubStorage", ordinal: 151, enableFlag: "allow_irrevocable_stub_storage" },
  { field: "rpcParamsDupStubs", ordinal: 152, enableFlag: "rpc_params_dup_stubs", disableFlag: "rpc_params_transfer_stubs", enableDate: "2026-01-20" },
  { field: "enableNodejsGlobalTimers", ordinal: 153, enableFlag: "enable_nodejs_global_timers", disableFlag: "no_nodejs_global_timers", impliedByAfterDate: { names: ["nodeJsCompat"], date: "2026-02-10" } },
  { field: "noAutoAllocateChunkSize", ordinal: 154, enableFlag: "streams_no_default_auto_allocate_chunk_size", disableFlag: "streams_auto_allocate_chunk_size_default", experimental: true },
  { field: "pythonWorkflowsImplicitDeps", ordinal: 155, enableFlag: "python_workflows_implicit_dependencies", disableFlag: "no_python_workflows_implicit_dependencies", impliedByAfterDate: { names: ["pythonWorkers"], date: "2026-02-25" } },
  { field: "requireReturnsDefaultExport", ordinal: 156, enableFlag: "require_returns_default_export", disableFlag: "require_returns_namespace", enableDate: "2026-01-22" },
  { field: "pythonRequestHeadersPreserveCommas", ordinal: 157, enableFlag: "python_request_headers_preserve_commas", disableFlag: "disable_python_request_headers_preserve_commas", enableDate: "2026-02-17" },
  { field: "queueExposeErrorCodes", ordinal: 158, enableFlag: "queue_expose_error_codes", disableFlag: "no_queue_expose_error_codes", enableDate: "2026-03-12" },
  { field: "textDecoderReplaceSurrogates", ordinal: 159, enableFlag: "text_decoder_replace_surrogates", disableFlag: "disable_text_decoder_replace_surrogates", enableDate: "2026-02-24", impliedByAfterDate: { names: ["pedanticWpt"], date: "2026-02-24" } },
  { field: "containersPidNamespace", ordinal: 160, enableFlag: "containers_pid_namespace", disableFlag: "no_containers_pid_namespace", enableDate: "2026-04-01" },
  { field: "deleteAllDeletesAlarm", ordinal: 161, enableFlag: "delete_all_deletes_alarm", disableFlag: "delete_all_preserves_alarm", enableDate: "2026-02-24" },
  { field: "unhandledRejectionAfterMicrotaskCheckpoint", ordinal: 162, enableFlag: "unhandled_rejection_after_microtask_checkpoint", disableFlag: "no_unhandled_rejection_after_microtask_checkpoint", enableDate: "2026-03-03" },
  { field: "textDecoderCjkDecoder", ordinal: 163, enableFlag: "text_decoder_cjk_decoder", disableFlag: "disable_text_decoder_cjk_decoder", enableDate: "2026-03-03" },
  { field: "websocketCloseReasonByteLimit", ordinal: 164, enableFlag: "websocket_close_reason_byte_limit", disableFlag: "no_websocket_close_reason_byte_limit", enableDate: "2026-03-03" },
  { field: "enableVersionApi", ordinal: 165, enableFlag: "enable_version_api", experimental: true },
  { field: "websocketBinaryTypeDefault", ordinal: 166, enableFlag: "websocket_standard_binary_type", disableFlag: "no_websocket_standard_binary_type", enableDate: "2026-03-17" },
  { field: "writableStreamSpecCompliantWriter", ordinal: 167, enableFlag: "writable_stream_spec_compliant_writer", disableFlag: "no_writable_stream_spec_compliant_writer", enableDate: "2026-03-24" },
  { field: "encoderStreamSpecCompliantBackpressure", ordinal: 168, enableFlag: "encoder_stream_spec_compliant_backpressure", disableFlag: "no_encoder_stream_spec_compliant_backpressure", enableDate: "2026-03-24" },
  { field: "specCompliantPropertyAttributes", ordinal: 169, enableFlag: "spec_compliant_property_attributes", disableFlag: "no_spec_compliant_property_attributes", experimental: true },
  { field: "workflowsPreserveNonRetryableErrorMessage", ordinal: 170, enableFlag: "workflows_preserve_non_retryable_error_message", disableFlag: "workflows_replace_non_retryable_error_message", enableDate: "2026-05-14" },
  { field: "webSocketAutoReplyToClose", ordinal: 171, enableFlag: "web_socket_auto_reply_to_close", disableFlag: "web_socket_manual_reply_to_close", enableDate: "2026-04-07" },
  { field: "enableCtxVersionMetadata", ordinal: 172, enableFlag: "enable_ctx_version_metadata", experimental: true },
  { field: "noResizableArrayBufferInBlob", ordinal: 173, enableFlag: "no_resizable_array_buffer_in_blob", disableFlag: "resizable_array_buffer_in_blob" },
  { field: "diagnosticsChannelHasSubscribersGetter", ordinal: 174, enableFlag: "diagnostics_channel_has_subscribers_getter", disableFlag: "no_diagnostics_channel_has_subscribers_getter", enableDate: "2026-05-19" },
  { field: "workflowsStepRollback", ordinal: 175, enableFlag: "workflows_step_rollback", experimental: true },
  { field: "pythonProcessPthFiles", ordinal: 176, enableFlag: "python_process_pth_files", disableFlag: "disable_python_process_pth_files", enableDate: "2026-05-26" },
  { field: "throwOnNotImplementedTlsOptions", ordinal: 177, enableFlag: "throw_on_not_implemented_tls_options", disableFlag: "no_throw_on_not_implemented_tls_options", enableDate: "2026-06-16" },
  { field: "autoGrpcConvert", ordinal: 178, enableFlag: "auto_grpc_convert" },
  { field: "pythonWorkers20260610", ordinal: 179, enableFlag: "python_workers_20260610", disableFlag: "no_python_workers_20260610" },
  { field: "enableNodeJsInspectorLocalDev", ordinal: 180, enableFlag: "enable_nodejs_inspector_local_dev", experimental: true },
  { field: "d1BindingJsrpc", ordinal: 181, enableFlag: "d1_binding_jsrpc", experimental: true },
  { field: "workflowsBindingsRpc", ordinal: 182, enableFlag: "workflows_bindings_rpc", experimental: true },
  { field: "typeScriptImplementedStreams", ordinal: 183, enableFlag: "typescript_implemented_streams", experimental: true },
  { field: "exposeDrainingReader", ordinal: 184, enableFlag: "expose_draining_reader", experimental: true },
  { field: "workflowsEnableFastEngineCreation", ordinal: 185, enableFlag: "workflows_enable_fast_engine_creation", disableFlag: "workflows_disable_fast_engine_creation", enableDate: "2026-08-11" },
  { field: "wasmMemoryDiscard", ordinal: 186, enableFlag: "wasm_memory_discard", experimental: true },
  { field: "pythonWorkers314", ordinal: 187, enableFlag: "python_workers_314", disableFlag: "no_python_workers_314", impliedByAfterDate: { names: ["pythonWorkers"], date: "2026-09-08" } },
  { field: "specCompliantDispatchExceptions", ordinal: 188, enableFlag: "spec_compliant_dispatch_exceptions", disableFlag: "no_spec_compliant_dispatch_exceptions", enableDate: "2026-09-15" },
  { field: "autoInjectPythonWorkers", ordinal: 189, enableFlag: "auto_inject_python_workers", disableFlag: "no_auto_inject_python_workers", experimental: true },
  { field: "durableObjectIoTasksPreventEviction", ordinal: 190, enableFlag: "durable_object_io_tasks_prevent_eviction", disableFlag: "durable_object_io_tasks_do_not_prevent_eviction", enableDate: "2026-10-01" },
  { field: "webCryptoModernAlgorithms", ordinal: 191, enableFlag: "webcrypto_modern_algorithms" },
  { field: "wasmEsmIntegrationBuiltins", ordinal: 192, enableFlag: "wasm_esm_integration_builtins" },
  { field: "pipeToBackwardPropagation", ordinal: 193, enableFlag: "pipe_to_backward_propagation", disableFlag: "no_pipe_to_backward_propagation", enableDate: "2026-11-17" },
  { field: "cacheOptionPreservesCacheControl", ordinal: 194, enableFlag: "cache_option_preserves_cache_control", disableFlag: "cache_option_overrides_cache_control", enableDate: "2026-11-17" },
  { field: "durableObjectSnapshots", ordinal: 195, enableFlag: "durable_object_snapshots", experimental: true },
  { field: "connectHandlerStartTls", ordinal: 196, enableFlag: "connect_handler_starttls", experimental: true },
  { field: "offpeakLocationHint", ordinal: 197, enableFlag: "offpeak_location_hint", experimental: true },
  { field: "pythonSharedStandardLibrary", ordinal: 198, enableFlag: "python_shared_standard_library", impliedByAfterDate: { names: ["pythonWorkers"], date: "2026-11-19" } },
  { field: "wasmSourceUrlSupport", ordinal: 199, enableFlag: "wasm_source_url_support", disableFlag: "no_wasm_source_url_support", enableDate: "2026-12-01" },
  { field: "temporal", ordinal: 200, enableFlag: "temporal", disableFlag: "no_temporal", enableDate: "2026-12-01" },
  { field: "pythonZstdSnapshot", ordinal: 201, enableFlag: "python_zstd_snapshot", experimental: true },
  { field: "nodeJsProcessVersion24", ordinal: 202, enableFlag: "nodejs_process_version_24", disableFlag: "no_nodejs_process_version_24", enableDate: "2026-11-24" },
  { field: "r2BindingsJsrpc", ordinal: 203, enableFlag: "r2_binding_jsrpc", experimental: true },
  { field: "rpcDisposeCancelsCall", ordinal: 204, enableFlag: "rpc_dispose_cancels_call", experimental: true },
  { field: "exposeSerializationTestClass", ordinal: 205, enableFlag: "expose_serialization_test_class", experimental: true },
  { field: "pythonDedicatedSnapshotKeepImportCaches", ordinal: 206, enableFlag: "python_dedicated_snapshot_keep_import_caches", disableFlag: "no_python_dedicated_snapshot_keep_import_caches" },
  { field: "websocketStandardUrlAndExtensions", ordinal: 207, enableFlag: "websocket_standard_url_and_extensions", disableFlag: "websocket_legacy_url_and_extensions" },
  { field: "fetchInvalidResponseTypeError", ordinal: 208, enableFlag: "fetch_invalid_response_type_error", disableFlag: "fetch_invalid_response_legacy_error" },
  { field: "connectHandlerImmediateTls", ordinal: 209, enableFlag: "connect_handler_immediate_tls", experimental: true },
];
