# The app's platform-neutral sources (frame function, tabs, API client, caches), shared by the
# browser build (wasm/CMakeLists.txt) and the native headless UI smoke test (tests/).
set(LABELLOOP_APP_DIR "${CMAKE_CURRENT_LIST_DIR}/src")
set(LABELLOOP_APP_SOURCES
  ${LABELLOOP_APP_DIR}/app.cpp ${LABELLOOP_APP_DIR}/app_data.cpp
  ${LABELLOOP_APP_DIR}/app_sync.cpp ${LABELLOOP_APP_DIR}/ui_state.cpp
  ${LABELLOOP_APP_DIR}/tab_queue.cpp ${LABELLOOP_APP_DIR}/tab_labeling.cpp
  ${LABELLOOP_APP_DIR}/tab_cycles.cpp ${LABELLOOP_APP_DIR}/tab_selection.cpp
  ${LABELLOOP_APP_DIR}/tab_structure.cpp ${LABELLOOP_APP_DIR}/model_form.cpp
  ${LABELLOOP_APP_DIR}/api/types.cpp ${LABELLOOP_APP_DIR}/api/api_client.cpp
  ${LABELLOOP_APP_DIR}/ui/depiction_cache.cpp ${LABELLOOP_APP_DIR}/ui/metric_changes.cpp
  ${LABELLOOP_APP_DIR}/ui/property_table.cpp)
set(LABELLOOP_IMGUI_DIR "${PROJECT_SOURCE_DIR}/.deps/imgui" CACHE PATH
    "Dear ImGui 1.86 sources (fetched by scripts/install-deps.sh)")
set(LABELLOOP_IMGUI_CORE_SOURCES
  "${LABELLOOP_IMGUI_DIR}/imgui.cpp" "${LABELLOOP_IMGUI_DIR}/imgui_draw.cpp"
  "${LABELLOOP_IMGUI_DIR}/imgui_tables.cpp" "${LABELLOOP_IMGUI_DIR}/imgui_widgets.cpp")
