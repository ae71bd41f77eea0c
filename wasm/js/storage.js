// Browser storage bridge (Emscripten --js-library): window.localStorage for small settings,
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
