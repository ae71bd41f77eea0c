// Browser storage bridge (Emscripten --js-library): window.localStorage for small settings.
mergeInto(LibraryManager.library, {
  labelloop_storage_get: function (keyPtr) {
    var value = null;
    try {
      value = window.localStorage.getItem(UTF8ToString(keyPtr));
    } catch (e) {
      value = null;
    }
    if (value === null) return 0;
    var size = lengthBytesUTF8(value) + 1;
    var ptr = _malloc(size);
    stringToUTF8(value, ptr, size);
    return ptr;
  },
  labelloop_storage_set: function (keyPtr, valuePtr) {
    try {
      window.localStorage.setItem(UTF8ToString(keyPtr), UTF8ToString(valuePtr));
    } catch (e) {
      // Storage full or disabled: the setting lasts for this page only.
    }
  },
  labelloop_storage_remove: function (keyPtr) {
    try {
      window.localStorage.removeItem(UTF8ToString(keyPtr));
    } catch (e) {
      // Nothing to remove.
    }
  },
});
