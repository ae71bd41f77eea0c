// Browser storage bridge (Emscripten --js-library): window.localStorage for small settings,
// the offline store (IndexedDB, preloaded by index.html into window.labelloop.kv before the
// app starts, so reads are synchronous and writes go through to IndexedDB), network state,
// and the file picker for SMILES lists.
mergeInto(LibraryManager.library, {
  // Opens the browser's file chooser; the chosen file's text goes to the app through
  // _labelloop_uploaded_smiles on a later frame.
  labelloop_open_file_picker: function () {
    var input = document.getElementById('labelloop-smiles-file');
    if (!input) {
      input = document.createElement('input');
      input.type = 'file';
      input.id = 'labelloop-smiles-file';
      input.accept = '.smi,.smiles,.txt,.csv,.json,text/plain,application/json';
      input.style.display = 'none';
      input.addEventListener('change', function () {
        var file = input.files && input.files[0];
        if (!file) return;
        file.text().then(function (text) {
          var size = lengthBytesUTF8(text) + 1;
          var ptr = _malloc(size);
          stringToUTF8(text, ptr, size);
          Module['_labelloop_uploaded_smiles'](ptr);
          _free(ptr);
          input.value = '';
        });
      });
      document.body.appendChild(input);
    }
    input.click();
  },
  // Returns a malloc'd copy of the value (length in *lenPtr), or 0 when the key is absent.
  labelloop_kv_get: function (keyPtr, lenPtr) {
    var kv = window.labelloop && window.labelloop.kv;
    if (!kv) return 0;
    var value = kv.map.get(UTF8ToString(keyPtr));
    if (value === undefined) return 0;
    var bytes = typeof value === 'string' ? new TextEncoder().encode(value) : value;
    var ptr = _malloc(bytes.length + 1);
    HEAPU8.set(bytes, ptr);
    HEAPU8[ptr + bytes.length] = 0;
    HEAP32[lenPtr >> 2] = bytes.length;
    return ptr;
  },
  labelloop_kv_put: function (keyPtr, dataPtr, len) {
    var kv = window.labelloop && window.labelloop.kv;
    if (!kv) return;
    kv.put(UTF8ToString(keyPtr), HEAPU8.slice(dataPtr, dataPtr + len));
  },
  labelloop_kv_remove: function (keyPtr) {
    var kv = window.labelloop && window.labelloop.kv;
    if (kv) kv.remove(UTF8ToString(keyPtr));
  },
  // IndexedDB writes not yet committed (the header says "saving" until they are).
  labelloop_kv_unsaved: function () {
    var kv = window.labelloop && window.labelloop.kv;
    return kv ? kv.unsaved : 0;
  },
  labelloop_browser_online: function () {
    return navigator.onLine ? 1 : 0;
  },
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
