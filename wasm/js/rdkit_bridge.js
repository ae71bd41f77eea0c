// RDKit MinimalLib bridge (Emscripten --js-library). The page loads RDKit_minimal.js and
// stores the initialised module in window.RDKit; these functions are what C++ may call.
mergeInto(LibraryManager.library, {
  $labelloopRdkit: {
    canvas: null,
    newCString: function (text) {
      var size = lengthBytesUTF8(text) + 1;
      var ptr = _malloc(size);
      stringToUTF8(text, ptr, size);
      return ptr;
    },
    parse: function (smiles) {
      var RDKit = globalThis.RDKit;
      if (!RDKit || !smiles) return null;
      var mol = null;
      try {
        mol = RDKit.get_mol(smiles);
      } catch (e) {
        mol = null;
      }
      if (mol && !mol.is_valid()) {
        mol.delete();
        mol = null;
      }
      return mol;
    },
  },

  labelloop_rdkit_ready__deps: ['$labelloopRdkit'],
  labelloop_rdkit_ready: function () {
    return globalThis.RDKit ? 1 : 0;
  },

  labelloop_rdkit_version__deps: ['$labelloopRdkit'],
  labelloop_rdkit_version: function () {
    if (!globalThis.RDKit) return 0;
    return labelloopRdkit.newCString(String(globalThis.RDKit.version()));
  },

  // Returns 1 drawn, -1 invalid SMILES, -2 RDKit not loaded yet.
  labelloop_rdkit_draw_to_texture__deps: ['$labelloopRdkit'],
  labelloop_rdkit_draw_to_texture: function (smilesPtr, width, height, texture) {
    if (!globalThis.RDKit) return -2;
    var mol = labelloopRdkit.parse(UTF8ToString(smilesPtr));
    if (!mol) return -1;
    try {
      var canvas = labelloopRdkit.canvas || (labelloopRdkit.canvas = document.createElement('canvas'));
      canvas.width = width;
      canvas.height = height;
      var ctx = canvas.getContext('2d');
      ctx.fillStyle = '#ffffff';
      ctx.fillRect(0, 0, width, height);
      var scale = Math.max(1, Math.round(globalThis.devicePixelRatio || 1));
      mol.draw_to_canvas_with_highlights(canvas, JSON.stringify({
        width: width, height: height, bondLineWidth: scale, fixedFontSize: -1,
        minFontSize: 10 * scale, clearBackground: true,
      }));
      var gl = GLctx;
      gl.bindTexture(gl.TEXTURE_2D, GL.textures[texture]);
      gl.pixelStorei(gl.UNPACK_FLIP_Y_WEBGL, false);
      gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA, gl.RGBA, gl.UNSIGNED_BYTE, canvas);
      gl.bindTexture(gl.TEXTURE_2D, null);
      return 1;
    } finally {
      mol.delete();
    }
  },

  labelloop_rdkit_descriptors__deps: ['$labelloopRdkit'],
  labelloop_rdkit_descriptors: function (smilesPtr) {
    var mol = labelloopRdkit.parse(UTF8ToString(smilesPtr));
    if (!mol) return 0;
    try {
      return labelloopRdkit.newCString(mol.get_descriptors());
    } finally {
      mol.delete();
    }
  },

  // RDKit's JSON of the molecule (get_json()): what message-passing models read the graph from.
  labelloop_rdkit_json__deps: ['$labelloopRdkit'],
  labelloop_rdkit_json: function (smilesPtr) {
    var mol = labelloopRdkit.parse(UTF8ToString(smilesPtr));
    if (!mol) return 0;
    try {
      return labelloopRdkit.newCString(mol.get_json());
    } finally {
      mol.delete();
    }
  },

  // Morgan r=2 2048 bits into bitsOut (256 bytes, LSB first); returns the descriptor JSON.
  labelloop_rdkit_features__deps: ['$labelloopRdkit'],
  labelloop_rdkit_features: function (smilesPtr, bitsOut) {
    var mol = labelloopRdkit.parse(UTF8ToString(smilesPtr));
    if (!mol) return 0;
    try {
      var bits = mol.get_morgan_fp_as_uint8array(JSON.stringify({ radius: 2, nBits: 2048 }));
      HEAPU8.set(bits, bitsOut);
      return labelloopRdkit.newCString(mol.get_descriptors());
    } finally {
      mol.delete();
    }
  },
});
