/*
 * llama.cpp's own speed for the agent's prompt, for comparison with the `llm/*` benchmark of
 * agent/benches/agent.rs. Plain C against the llama.cpp static libraries that llama-cpp-sys-2
 * already built in target/ (nothing fetched): same model, same chat, same thread count, greedy,
 * same context/batch sizes, stop at end of generation. Prints time to first token and decode speed
 * (generated tokens / decode time) per run.
 *
 * Build and run (after `cargo bench --profile dev -p cabin-agent -- llm` has written the chat):
 *   OUT=$(find target/debug/build -maxdepth 2 -name out -path '*llama-cpp-sys-2-*' | head -1)
 *   cc -O2 agent/benches/baseline/llama_decode.c -I$OUT/include -L$OUT/lib \
 *      -lllama -lggml -lggml-cpu -lggml-base -lstdc++ -lm -lpthread -o /tmp/llama_decode
 *   /tmp/llama_decode models/llm/SmolLM2-135M-Instruct.Q4_1.gguf 1 10 /tmp/cabin_llm_prompt.tsv
 */
#include "llama.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static void quiet(enum ggml_log_level level, const char *text, void *user) {
    (void)level; (void)text; (void)user;
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: %s model.gguf threads runs chat.tsv\n", argv[0]);
        return 2;
    }
    int threads = atoi(argv[2]), runs = atoi(argv[3]);
    static char roles[16][16], contents[16][2048];
    struct llama_chat_message msgs[16];
    int n_msgs = 0;
    FILE *f = fopen(argv[4], "r");
    if (!f) { perror(argv[4]); return 1; }
    static char line[4096];
    while (n_msgs < 16 && fgets(line, sizeof line, f)) {
        char *tab = strchr(line, '\t');
        if (!tab) continue;
        *tab = 0;
        line[strcspn(tab + 1, "\n") + (tab + 1 - line)] = 0;
        snprintf(roles[n_msgs], sizeof roles[0], "%s", line);
        snprintf(contents[n_msgs], sizeof contents[0], "%s", tab + 1);
        msgs[n_msgs].role = roles[n_msgs];
        msgs[n_msgs].content = contents[n_msgs];
        n_msgs++;
    }
    fclose(f);

    llama_log_set(quiet, NULL);
    llama_backend_init();
    struct llama_model *model = llama_model_load_from_file(argv[1], llama_model_default_params());
    if (!model) { fprintf(stderr, "cannot load %s\n", argv[1]); return 1; }
    const struct llama_vocab *vocab = llama_model_get_vocab(model);
    struct llama_context_params cp = llama_context_default_params();
    cp.n_ctx = 1024; cp.n_batch = 256; cp.n_ubatch = 256;
    cp.n_threads = threads; cp.n_threads_batch = threads;
    struct llama_context *ctx = llama_init_from_model(model, cp);

    static char prompt[16384];
    int n = llama_chat_apply_template(llama_model_chat_template(model, NULL), msgs, n_msgs, true,
                                      prompt, sizeof prompt);
    static llama_token toks[4096];
    int nt = llama_tokenize(vocab, prompt, n, toks, 4096, false, true);

    for (int r = 0; r < runs; r++) {
        llama_memory_clear(llama_get_memory(ctx), true);
        double t0 = now();
        for (int i = 0; i < nt; i += 256) {
            int len = nt - i < 256 ? nt - i : 256;
            llama_decode(ctx, llama_batch_get_one(toks + i, len));
        }
        struct llama_sampler *s = llama_sampler_init_greedy();
        llama_token tok = llama_sampler_sample(s, ctx, -1);
        double t1 = now();
        int gen = 0;
        char out[1024] = {0};
        size_t used = 0;
        while (!llama_vocab_is_eog(vocab, tok) && gen < 48) {
            gen++;
            char piece[64];
            int k = llama_token_to_piece(vocab, tok, piece, sizeof piece, 0, false);
            if (k > 0 && used + k < sizeof out - 1) { memcpy(out + used, piece, k); used += k; }
            llama_decode(ctx, llama_batch_get_one(&tok, 1));
            tok = llama_sampler_sample(s, ctx, -1);
        }
        double t2 = now();
        llama_sampler_free(s);
        printf("threads %d: %d prompt tokens, %d generated, first token %.0f ms, decode %.1f tokens/s: %s\n",
               threads, nt, gen, (t1 - t0) * 1000, gen / (t2 - t1), out);
    }
    llama_free(ctx);
    llama_model_free(model);
    llama_backend_free();
    return 0;
}
